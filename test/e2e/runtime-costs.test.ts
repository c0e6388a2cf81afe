// What issue 18 changed in how the processes run, checked by behaviour (never by time): the daemon's
// own runtime options stay out of the agent's environment, LK_PROFILE marks come in the order the
// work is done, and a start's report reaches it with nothing left in the state folder.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, Sandbox } from "../helpers/lk.ts";

afterAll(cleanupAll);

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(() => box.cleanup());

const state = () => JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));

/** A process's environment as it started (Linux: /proc/PID/environ). */
function environ(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return new Map(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

describe.skipIf(process.platform !== "linux")("the daemon's runtime options (Linux: /proc environ)", () => {
  test("the daemon runs without the JIT; the agent gets the environment as the user had it", async () => {
    expect((await box.startFake()).code).toBe(0);
    const { daemonPid, agent } = state();
    expect(environ(daemonPid).get("BUN_JSC_useJIT")).toBe("0");
    const agentEnv = environ(agent.pid);
    expect(agentEnv.has("BUN_JSC_useJIT")).toBe(false);
    expect(agentEnv.has("LK_SESSION_DAEMON_SPEC")).toBe(false);
    // And the session works as ever.
    const say = await box.session(["say", "hello"]);
    expect(say.stdout).toContain("● Agent\n    hello");
  });

  test("a user's own BUN_JSC_useJIT is theirs: the daemon and the agent both keep it", async () => {
    expect((await box.startFake({ BUN_JSC_useJIT: "1" })).code).toBe(0);
    const { daemonPid, agent } = state();
    expect(environ(daemonPid).get("BUN_JSC_useJIT")).toBe("1");
    expect(environ(agent.pid).get("BUN_JSC_useJIT")).toBe("1");
  });
});

describe("LK_PROFILE=1", () => {
  test("say prints its marks as one JSON line on stderr, in the order the work is done", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.session(["say", "hello"], { env: { LK_PROFILE: "1" } });
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("● Agent\n    hello");
    const lines = say.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    const marks = JSON.parse(lines[0] as string).lkProfile as Record<string, number>;
    const order = ["runtime", "main", "command", "parsed", "io", "state", "daemon checked", "connected"];
    const rest = ["accepted", "done", "ran", "exit"];
    expect(Object.keys(marks)).toEqual([...order, ...rest]);
    const times = Object.values(marks);
    for (let i = 1; i < times.length; i++)
      expect(times[i] as number).toBeGreaterThanOrEqual(times[i - 1] as number);
  });

  test("without it, nothing is printed", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.session(["say", "hello"]);
    expect(say.stderr).toBe("");
  });
});

describe("the ready report", () => {
  test("start gets it, with the greeting, and leaves no ready file behind; a failed start too", async () => {
    const start = await box.startFake({ FAKE_GREETING: "Hi there." }, ["--json"]);
    expect(start.code).toBe(0);
    const result = JSON.parse(start.stdout.trim().split("\n").at(-1) as string);
    expect(result.greeting.map((e: { text?: string }) => e.text)).toContain("Hi there.");
    expect(readdirSync(box.stateDir).filter((f) => f.startsWith("ready-"))).toEqual([]);
    await box.session(["end"]);

    const failed = await box.startFake({ FAKE_CRASH: "before-connect" });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("something is badly configured");
    expect(readdirSync(box.stateDir).filter((f) => f.startsWith("ready-"))).toEqual([]);
  });
});
