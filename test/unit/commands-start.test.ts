// `start`'s decisions with a fake session client: what it refuses, what it cleans, what it launches.

import { describe, expect, test } from "bun:test";
import start, { type StartOptions } from "../../src/commands/start.ts";
import { env, fake, fakeState, PORT } from "../helpers/fake-session.ts";
import { FAKE_AGENT_DIR } from "../helpers/lk.ts";

const options = (over: Partial<StartOptions> = {}): StartOptions => ({
  json: false,
  port: PORT,
  connectTimeoutMs: 60_000,
  idleTimeoutMs: 1_800_000,
  runtime: "bun",
  entrypoint: "agent.ts",
  cwd: FAKE_AGENT_DIR,
  runtimeArgs: [],
  skipSdkCheck: true,
  env: { vars: {}, files: [] },
  ...over,
});

describe("start: parse", () => {
  test("what follows -- is the agent's runtime args, as a value", () => {
    const o = start.parse(["agent.py", "--port", "9000", "--", "-X", "dev", "--json"], env());
    expect(o).toMatchObject({ entrypoint: "agent.py", port: 9000, runtimeArgs: ["-X", "dev", "--json"] });
    expect(o.json).toBe(false);
    expect(start.parse([], env()).runtimeArgs).toEqual([]);
  });

  test("--runtime is node or bun; the SDK check can be skipped by flag or environment", () => {
    expect(() => start.parse(["--runtime", "deno"], env())).toThrow("--runtime must be node or bun");
    expect(start.parse(["--skip-sdk-check"], env()).skipSdkCheck).toBe(true);
    expect(start.parse([], env({ LK_SESSION_SKIP_SDK_CHECK: "1" })).skipSdkCheck).toBe(true);
    expect(start.parse([], env()).skipSdkCheck).toBe(false);
  });

  test("one entrypoint only; the timeout in seconds", () => {
    expect(() => start.parse(["a.py", "b.py"], env())).toThrow(
      'unexpected argument for `lk agent session start`: "b.py"',
    );
    expect(start.parse(["--timeout", "2.5"], env()).connectTimeoutMs).toBe(2500);
    expect(start.parse(["--timeout", "2m"], env()).connectTimeoutMs).toBe(120_000);
  });

  test("--idle-timeout: 30m by default, a duration or seconds, 0 for never; the flag beats the environment", () => {
    expect(start.parse([], env()).idleTimeoutMs).toBe(1_800_000);
    expect(start.parse(["--idle-timeout", "1h30m"], env()).idleTimeoutMs).toBe(5_400_000);
    expect(start.parse(["--idle-timeout", "90"], env()).idleTimeoutMs).toBe(90_000);
    expect(start.parse(["--idle-timeout", "0"], env()).idleTimeoutMs).toBe(0);
    expect(start.parse([], env({ LK_SESSION_IDLE_TIMEOUT: "2s" })).idleTimeoutMs).toBe(2000);
    expect(start.parse(["--idle-timeout", "5m"], env({ LK_SESSION_IDLE_TIMEOUT: "2s" })).idleTimeoutMs).toBe(
      300_000,
    );
    expect(() => start.parse(["--idle-timeout", "soon"], env())).toThrow(
      "--idle-timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds (0: never)",
    );
    expect(() => start.parse([], env({ LK_SESSION_IDLE_TIMEOUT: "-1" }))).toThrow(
      "LK_SESSION_IDLE_TIMEOUT must be a duration",
    );
  });
});

describe("start: run", () => {
  test("a running session is refused, checked thoroughly, and nothing is launched", async () => {
    const f = fake({ command: "start", found: { kind: "running", port: PORT, state: fakeState() } });
    await expect(start.run(options(), f.io)).rejects.toThrow(
      `a session is already running on 127.0.0.1:${PORT}`,
    );
    expect(f.finds).toEqual([{ port: PORT, thorough: true }]);
    expect(f.starts).toEqual([]);
  });

  test("a port held by another program is refused before a daemon is spawned", async () => {
    const f = fake({ command: "start", found: { kind: "foreign", port: PORT, notes: [] } });
    await expect(start.run(options(), f.io)).rejects.toThrow(
      `127.0.0.1:${PORT} is already in use by another program`,
    );
    expect(f.starts).toEqual([]);
  });

  test("a stale record's cleanup is noted, then the agent is launched with its runtime args", async () => {
    const notes = ["removed a stale session record: its daemon (pid 7) is gone"];
    const f = fake({ command: "start", found: { kind: "stale", port: PORT, notes } });
    const outcome = await start.run(options({ runtimeArgs: ["--smol"] }), f.io);
    expect(f.err()).toContain(`note: ${notes[0]}`);
    expect(f.out()).toContain("Detected Node.js agent (agent.ts in");
    expect(f.out()).toContain("Session started.");
    expect(f.starts).toHaveLength(1);
    const request = f.starts[0];
    expect(request).toMatchObject({
      port: PORT,
      entry: "agent.ts",
      runtimeArgs: ["--smol"],
      connectTimeoutMs: 60_000,
      idleTimeoutMs: 1_800_000,
    });
    expect(request?.plan.argv).toContain("--smol");
    expect(request?.plan.argv.slice(-2)).toEqual(["--connect-addr", `127.0.0.1:${PORT}`]);
    expect(outcome.fields).toMatchObject({ staleNotes: notes, agent: { label: "Node.js", runtime: "bun" } });
  });

  test("hints name the port when it is not the default", async () => {
    const f = fake({ command: "start", found: { kind: "none", port: 9100 } });
    await start.run(options({ port: 9100 }), f.io);
    expect(f.out()).toContain('`lk agent session say --port 9100 "..."`');
  });
});
