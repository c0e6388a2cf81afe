// Results with nothing missing: every say result has text, reply and events; hints name the port
// the session is on; a listen cut short says so.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, processAlive, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});
afterAll(cleanupAll);

/** A failure under --json: exactly one line, the result, and nothing on stderr. */
function failedResult(run: RunResult): Record<string, unknown> {
  expect(run.stderr).toBe("");
  const lines = run.stdout.trim().split("\n");
  const result = JSON.parse(lines.at(-1) as string);
  expect(result).toMatchObject({ kind: "result", ok: false, exitCode: run.code });
  expect(run.code).not.toBe(0);
  return result;
}

function daemonPid(): number {
  return require(join(box.stateDir, `session-${box.port}.json`)).daemonPid;
}

describe("every say result has text, reply and events", () => {
  test("the daemon dying mid-turn: what was said, the reply so far (none), the events that came", async () => {
    expect((await box.startFake()).code).toBe(0);
    const pid = daemonPid();
    const saying = box.session(["say", "!slow 20000 doomed", "--json"]);
    await Bun.sleep(400);
    process.kill(pid, "SIGKILL");
    const result = failedResult(await saying);
    expect(result.error).toBe(`the session daemon (pid ${pid}) died during the command`);
    expect(result).toMatchObject({ text: "!slow 20000 doomed", reply: "" });
    expect(result.events).toContainEqual(
      expect.objectContaining({ role: "user", text: "!slow 20000 doomed" }),
    );
    // The way on names this session's port.
    expect(result.detail).toContain(`start a new session with \`lk agent session start --port ${box.port}\``);
    for (let i = 0; i < 100 && processAlive(pid); i++) await Bun.sleep(20);
  });

  test("no session: the text, an empty reply, no events", async () => {
    const result = failedResult(await box.session(["say", "anyone?", "--json"]));
    expect(result).toMatchObject({ text: "anyone?", reply: "", events: [] });
  });

  test('an argument error, before there is a text: text "", reply "", events []', async () => {
    const result = failedResult(await box.session(["say", "   ", "--json"]));
    expect(result).toMatchObject({ text: "", reply: "", events: [] });
    // Its hint can be pasted as it is: it names the port.
    expect(result.detail).toContain(
      `e.g. lk agent session say --port ${box.port} "what's the weather in Paris?"`,
    );
  });
});

describe("hints name the port", () => {
  test("start's hints for a missing project or entrypoint", async () => {
    const empty = tempDir("lk-hints-");
    const none = await box.session(["start"], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      `pass its entrypoint: lk agent session start --port ${box.port} path/to/agent.py`,
    );

    writeFileSync(join(empty, "package.json"), "{}");
    const noEntry = await box.session(["start"], { cwd: empty });
    expect(noEntry.code).toBe(1);
    expect(noEntry.stderr).toContain(
      `pass the entrypoint explicitly: lk agent session start --port ${box.port} path/to/agent.ts`,
    );
  });
});

describe("a listen cut short by end", () => {
  test("says the session was ended while listen was waiting, not while a turn ran", async () => {
    expect((await box.startFake()).code).toBe(0);
    const listening = box.session(["listen", "--timeout", "60", "--json"]);
    await Bun.sleep(400);
    expect((await box.session(["end"])).code).toBe(0);
    const result = failedResult(await listening);
    expect(result.error).toBe("the session was ended while listen was waiting");
  });
});
