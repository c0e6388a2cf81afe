// Issue 15 item 9, the edit → check loop: change a copy of the real Node echo agent's reply text,
// `restart --replay`, and read what changed turn by turn; the fake agent for a failing turn.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { NODE_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
const WEATHER = "what's the weather in Paris?";
const TOOLS = [{ name: "lookup_weather", arguments: '{"location":"Paris"}' }];
afterAll(cleanupAll);

let box: Sandbox;
afterEach(async () => {
  await box?.cleanup();
});

function result(run: RunResult): Record<string, unknown> {
  const lines = run.stdout.trim().split("\n");
  return JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
}

/** The Node echo agent's files in a folder of their own, its installed dependencies linked in. */
function copyOfNodeAgent(): string {
  const dir = tempDir("lk-replay-agent-");
  for (const file of ["agent.mjs", "package.json"]) copyFileSync(join(NODE_AGENT.dir, file), join(dir, file));
  symlinkSync(join(NODE_AGENT.dir, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

describe("restart --replay after editing the real Node echo agent", () => {
  beforeAll(() => requireInstalled(NODE_AGENT));

  test(
    "the changed reply as a diff, its unchanged tool call said so, an unchanged turn one line; exit 0",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfNodeAgent();
      const lk = (args: string[]) => box.session(args, { cwd: dir });
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", WEATHER])).stdout).toContain("The weather in Paris is sunny");
      expect((await lk(["say", "hello"])).code).toBe(0);

      const file = join(dir, "agent.mjs");
      const source = readFileSync(file, "utf8");
      // The reply's template: `The weather in ${location} is ${…}` becomes `In ${location} it is ${…}`.
      const edited = source.replace(/`The weather in (\$\{location\}) is /, "`In $1 it is ");
      expect(edited).not.toBe(source);
      writeFileSync(file, edited);

      const replay = await lk(["restart", "--replay"]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toContain(
        [
          "Replaying 2 turns of the previous conversation:",
          `turn 1 "${WEATHER}": reply changed; tools unchanged`,
          "  - The weather in Paris is sunny with a temperature of 70 degrees.",
          "  + In Paris it is sunny with a temperature of 70 degrees.",
          `turn 2 "hello": unchanged`,
          "",
          "Replayed 2 turns: 1 changed, 1 unchanged.",
        ].join("\n"),
      );

      // Again, with nothing edited: the replayed conversation is the new one, and the same.
      const again = await lk(["restart", "--replay", "--json"]);
      expect(again.code).toBe(0);
      const after = { reply: "In Paris it is sunny with a temperature of 70 degrees.", tools: TOOLS };
      expect(result(again).turns).toEqual([
        { turn: 1, text: WEATHER, before: after, after, changed: false, changes: [] },
        {
          turn: 2,
          text: "hello",
          before: { reply: "hello", tools: [] },
          after: { reply: "hello", tools: [] },
          changed: false,
          changes: [],
        },
      ]);
    },
    SLOW,
  );
});

describe("restart --replay with the fake agent", () => {
  test("a turn that fails: the turns so far and the failure in one JSON line, exit 1", async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
    expect((await box.session(["say", "hello"])).code).toBe(0);
    expect((await box.session(["say", "!error now"])).code).toBe(1);
    expect((await box.session(["say", "bye"])).code).toBe(0);

    const replay = await box.session(["restart", "--replay", "--json"]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toBe("");
    const lines = replay.stdout.trim().split("\n");
    expect(lines.filter((l) => JSON.parse(l).kind === "result")).toHaveLength(1);
    const r = result(replay);
    expect(r).toMatchObject({ ok: false, exitCode: 1 });
    expect(r.error).toStartWith("turn 2 of the replay failed: ");
    expect(r.detail).toContain("1 later turn was not replayed");
    const turns = r.turns as Record<string, unknown>[];
    expect(turns.map((t) => [t.text, t.changed])).toEqual([
      ["hello", false],
      ["!error now", false],
    ]);
    expect(turns[1]?.error).toBeString();
    // The new session runs: the failure was the turn's, not the restart's.
    expect((await box.session(["status"])).code).toBe(0);
  });

  test("a fresh session has nothing to replay", async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
    const replay = await box.session(["restart", "--replay"]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("Nothing to replay: the previous conversation had no user turns.");
  });

  test("no session: the usual message, exit 1", async () => {
    box = await Sandbox.create();
    const replay = await box.session(["restart", "--replay", "--json"]);
    expect(replay.code).toBe(1);
    expect(replay.stdout.trim().split("\n")).toHaveLength(1);
    expect(result(replay).error).toStartWith("no session running");
  });
});
