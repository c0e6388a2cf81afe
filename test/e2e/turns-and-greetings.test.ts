// Issue 19 items 4 to 6 through dist/lk with the real Python echo agent: the times the agent recorded
// in history, turn numbers on say/listen/replay events, a replay's per-turn events and tool errors,
// greeting checks (replay files with --fresh, scenarios), and a transcript that spans a restart.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, REPO, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { ECHO_GREETING, PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
const NO_GREETING = { ECHO_AGENT_NO_GREETING: "1" };
type Json = Record<string, unknown>;

afterAll(cleanupAll);
beforeAll(() => requireInstalled(PYTHON_AGENT));

let box: Sandbox;
afterEach(async () => {
  await box?.cleanup();
});

/** `lk agent session ARGS --port N` from the Python agent's folder. */
const lk = (args: string[], env: Record<string, string> = {}) =>
  box.session(args, { cwd: PYTHON_AGENT.dir, env });

function lines(run: RunResult): Json[] {
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Json);
}

/** The one result line, checked to be the last and only one. */
function result(run: RunResult): Json {
  const all = lines(run);
  expect(all.filter((l) => l.kind === "result")).toHaveLength(1);
  return all.at(-1) as Json;
}

const events = (r: Json | undefined) => (r?.events ?? []) as Json[];

function file(name: string, text: string): string {
  const path = join(tempDir("lk-turns-"), name);
  writeFileSync(path, text);
  return path;
}

describe("times and turn numbers", () => {
  test(
    "history items carry the agent's own times, different and in order across turns, and their turn",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      const first = await lk(["say", "hello", "--json"]);
      expect(first.code).toBe(0);
      await Bun.sleep(60);
      const second = await lk(["say", "what's the weather in Paris?", "--json"]);
      expect(second.code).toBe(0);
      // Every event of a turn, the lines as they came and the result's, carries its number.
      expect(events(result(first)).map((e) => e.turn)).toEqual(events(result(first)).map(() => 1));
      expect(new Set(events(result(second)).map((e) => e.turn))).toEqual(new Set([2]));
      expect(
        lines(second)
          .filter((l) => l.kind === "event")
          .every((l) => (l.event as Json).turn === 2),
      ).toBe(true);

      const history = result(await lk(["history", "--json"]));
      const items = events(history);
      const users = items.filter((e) => e.type === "message" && e.role === "user");
      expect(users.map((u) => u.text)).toEqual(["hello", "what's the weather in Paris?"]);
      const [hello, weather] = users.map((u) => u.at as number);
      expect(typeof hello).toBe("number");
      expect(weather).toBeGreaterThan(hello as number);
      // Not the time of the query: the items' times differ among themselves.
      expect(new Set(items.map((e) => e.at)).size).toBeGreaterThan(1);
      const times = items.map((e) => e.at as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(items.map((e) => [e.type, e.turn])).toEqual([
        ["handoff", 0],
        ["config", 0],
        ["message", 0],
        ["message", 1],
        ["message", 1],
        ["message", 2],
        ["tool_call", 2],
        ["tool_output", 2],
        ["message", 2],
      ]);
      expect(items[2]).toMatchObject({ role: "assistant", text: ECHO_GREETING });
    },
    SLOW,
  );

  test(
    "listen: output that came after a turn gave up carries the turn it followed",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "hello"])).code).toBe(0);
      // The slow tool takes 1.5 s: the turn gives up first, and the agent's reply comes after it.
      const slow = await lk(["say", "what's the weather slowly in Paris?", "--timeout", "300ms", "--json"]);
      expect(slow.code).toBe(124);
      expect(events(result(slow)).every((e) => e.turn === 2)).toBe(true);
      const heard = result(await lk(["listen", "--timeout", "10s", "--json"]));
      expect(heard.reply).toBe("The weather in Paris is sunny with a temperature of 70 degrees.");
      expect(events(heard).length).toBeGreaterThan(0);
      expect(events(heard).every((e) => e.turn === 2)).toBe(true);
      // The next turn is the third.
      const next = result(await lk(["say", "hello again", "--json"]));
      expect(
        events(next)
          .filter((e) => !e.earlier)
          .every((e) => e.turn === 3),
      ).toBe(true);
    },
    SLOW,
  );

  test(
    "replay --json: each turn's events with their turn numbers, and a failing tool's error text",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      const talk = file("talk.txt", "hello\n? hello\nthis is broken\n? /sorry/i\n");
      const run = await lk(["replay", talk, "--json"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      const turns = result(run).turns as Json[];
      expect(turns.map((t) => [t.turn, t.ok, t.toolErrors])).toEqual([
        [1, true, []],
        [
          2,
          true,
          [
            {
              name: "check_inventory",
              output: "An internal error occurred",
              error: "inventory service unavailable",
            },
          ],
        ],
      ]);
      expect(events(turns[1]).map((e) => e.type)).toContain("tool_output");
      expect(new Set(events(turns[0]).map((e) => e.turn))).toEqual(new Set([1]));
      expect(new Set(events(turns[1]).map((e) => e.turn))).toEqual(new Set([2]));
    },
    SLOW,
  );
});

describe("greeting checks", () => {
  test(
    "replay --fresh: a restarted agent, its greeting checked before the first turn; a mismatch exits 2",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "hello"])).code).toBe(0);
      const pass = file("greet.txt", "# the greeting first\n? /hello/i\n?! error\nhello\n? hello\n");
      const run = await lk(["replay", pass, "--fresh", "--json"]);
      expect(run.code).toBe(0);
      const r = result(run);
      expect(r.greeting).toMatchObject({ line: 2, source: "start", text: ECHO_GREETING, ok: true });
      // A clean conversation: the file's first turn is the new agent's first.
      expect(
        (r.turns as Json[]).map((t) => (t.events as Json[]).find((e) => e.type === "message")?.turn),
      ).toEqual([1]);
      expect((r.restarted as Json).agentPid).not.toBe(undefined);

      const fail = file("wrong.txt", "? /goodbye/i\nhello\n");
      const wrong = await lk(["replay", fail, "--fresh"]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(
        "greeting (line 1): expectation failed: the agent's greeting did not match",
      );
      expect(wrong.stderr).toContain("- expected to match: /goodbye/i");
      expect(wrong.stderr).toContain(`+ the agent greeted:\n      ${ECHO_GREETING}`);
      // Stopped at the greeting: the turn was not sent.
      const history = result(await lk(["history", "--json"]));
      expect(events(history).some((e) => e.role === "user")).toBe(false);
    },
    SLOW,
  );

  test(
    "an agent that does not greet fails a greeting check, clearly, with and without --fresh",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"], NO_GREETING)).code).toBe(0);
      const talk = file("greet.txt", "? /hello/i\nhello\n");
      const plain = await lk(["replay", talk, "--json"], NO_GREETING);
      expect(plain.code).toBe(2);
      expect(result(plain)).toMatchObject({
        error: "greeting (line 1): expectation failed: the agent did not greet",
        greeting: { source: "history", text: null, ok: false },
      });
      const fresh = await lk(["replay", talk, "--fresh"], NO_GREETING);
      expect(fresh.code).toBe(2);
      expect(fresh.stderr).toContain("the agent did not greet");
      expect(fresh.stderr).toContain("+ the agent said nothing on its own before the first turn");
    },
    SLOW,
  );

  test(
    "a scenario's greeting: checked in each fresh run; a mismatch fails it at the greeting (exit 2)",
    async () => {
      box = await Sandbox.create();
      const dir = tempDir("lk-greeting-scenarios-");
      const agent = join(PYTHON_AGENT.dir, PYTHON_AGENT.entry);
      const scenario = (greeting: string) =>
        [`agent: ${JSON.stringify(agent)}`, `greeting: ${greeting}`, "turns:", "  - user: hello", ""].join(
          "\n",
        );
      writeFileSync(join(dir, "a-pass.lktest.yaml"), scenario("[/hello/i, { not: error }]"));
      writeFileSync(join(dir, "b-fail.lktest.yaml"), scenario("/goodbye/"));
      const run = await box.lk(["agent", "session", "test", dir, "--jobs", "2"], { cwd: REPO });
      expect(run.code).toBe(2);
      expect(run.stdout).toContain("✓ a-pass");
      expect(run.stdout).toMatch(/✗ b-fail .* failed at the greeting/);
      expect(run.stdout).toContain("greeting (line 2)");
      expect(run.stdout).toContain("expectation failed: the agent's greeting did not match");
      expect(run.stdout).toContain(`+ the agent greeted:\n          ${ECHO_GREETING}`);
    },
    SLOW,
  );
});

describe("the transcript", () => {
  test(
    "end --transcript spans a restart: both runs' turns, the restart marked between them",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "before the restart"])).code).toBe(0);
      const restart = await lk(["restart", "--json"]);
      expect(restart.code).toBe(0);
      // restart --json names the agent as its text does ("Restarting Python agent (agent.py in …)").
      expect(result(restart).agent).toMatchObject({
        label: "Python",
        entry: "agent.py",
        root: PYTHON_AGENT.dir,
      });
      expect((await lk(["say", "what's the weather in Paris?"])).code).toBe(0);
      const path = join(tempDir("lk-transcript-"), "talk.md");
      const end = await lk(["end", "--transcript", path]);
      expect(end.code).toBe(0);
      const text = readFileSync(path, "utf8");
      expect(text).toContain("- restarts: 1 (each marked below)");
      const at = (needle: string) => text.indexOf(needle);
      expect(at("**You:** before the restart")).toBeGreaterThan(-1);
      expect(at("the agent restarted")).toBeGreaterThan(at("**You:** before the restart"));
      expect(at("**You:** what's the weather in Paris?")).toBeGreaterThan(at("the agent restarted"));
      // Each run's greeting is there, one on each side of the marker.
      expect(text.split(`**Agent:** ${ECHO_GREETING}`)).toHaveLength(3);
      expect(at("The weather in Paris is sunny")).toBeGreaterThan(at("the agent restarted"));
    },
    SLOW,
  );
});
