// `status`'s decisions with a fake session client.

import { describe, expect, test } from "bun:test";
import status from "../../src/commands/status.ts";
import type { StatusData } from "../../src/protocol/control.ts";
import { formatDuration } from "../../src/render/time.ts";
import { env, fake, PORT } from "../helpers/fake-session.ts";

const data: StatusData = {
  port: PORT,
  daemonPid: 10,
  agentPid: 11,
  entry: "agent.ts",
  root: "/work/agent",
  runtime: "bun",
  label: "Node.js",
  runtimeArgs: ["--smol"],
  framework: { sdk: "fake", version: "0.0.0" },
  agentId: "echo_agent",
  agentState: "listening",
  startedAt: "2026-01-01T00:00:00.000Z",
  uptimeMs: 65_000,
  run: 1,
  runStartedAt: "2026-01-01T00:00:00.000Z",
  runUptimeMs: 65_000,
  idleTimeoutMs: 1_800_000,
  turns: 3,
  unseen: 2,
  queued: 0,
  agentLog: "/state/agent.log",
  daemonLog: "/state/daemon.log",
  env: {},
};

describe("status", () => {
  test("parse: no positionals; --port and --json", () => {
    expect(status.parse(["--port", "9000", "--json"], env())).toEqual({ json: true, port: 9000 });
    expect(() => status.parse(["extra"], env())).toThrow("unexpected argument");
  });

  test("a running session: one row per fact, and the data in the result", async () => {
    const f = fake({ command: "status", answer: () => ({ done: { ok: true, data } }) });
    const outcome = await status.run({ json: false, port: PORT }, f.io);
    expect(f.sent).toEqual([{ cmd: "status" }]);
    const out = f.out();
    expect(out).toContain(`Session running on 127.0.0.1:${PORT}`);
    expect(out).toMatch(/runtime args: +--smol/);
    expect(out).toContain("framework:    fake 0.0.0");
    expect(out).toContain("active agent: echo_agent (listening)");
    expect(out).toContain("daemon:       pid 10, up 1m05s");
    expect(out).toContain("unseen:       2 event(s) waiting");
    expect(out).toContain("usage:        none reported");
    expect(outcome.fields).toEqual({ running: true, status: data });
  });

  test("the session's cumulative usage, one row, the agent's model names shown visibly", async () => {
    const usage = [
      { kind: "llm" as const, provider: "echo", model: "echo-1", inputTokens: 30, outputTokens: 15 },
      { kind: "tts" as const, provider: "cartesia", model: "sonic\x07", characters: 42, audioSeconds: 1.5 },
    ];
    const f = fake({ command: "status", answer: () => ({ done: { ok: true, data: { ...data, usage } } }) });
    await status.run({ json: false, port: PORT }, f.io);
    expect(f.out()).toContain(
      "usage:        30 → 15 tokens (echo/echo-1) · TTS 42 chars, 1.5 s audio (cartesia/sonic\\x07)\n",
    );
  });

  test("the active agent after a handoff: its id, tools and the first line of its instructions", async () => {
    const agentInfo = {
      id: "billing_agent",
      tools: ["lookup_weather", "end_call"],
      instructions: "You are the billing agent.\nHelp with invoices.",
    };
    const withInfo = { ...data, agentInfo };
    const f = fake({ command: "status", answer: () => ({ done: { ok: true, data: withInfo } }) });
    const outcome = await status.run({ json: true, port: PORT }, f.io);
    await status.run({ json: false, port: PORT }, f.io);
    expect(f.out()).toContain("active agent: billing_agent (listening)");
    expect(f.out()).toContain("tools:        lookup_weather, end_call");
    expect(f.out()).toContain("instructions: You are the billing agent. …");
    // --json has them whole.
    expect(outcome.fields).toEqual({ running: true, status: withInfo });
  });

  test("no session, or a status the daemon refuses: an error (exit 1)", async () => {
    const none = fake({ command: "status", found: { kind: "none", port: PORT } });
    await expect(status.run({ json: false, port: PORT }, none.io)).rejects.toThrow("no session running");
    const refused = fake({ command: "status", answer: () => ({ done: { ok: false, error: "ending" } }) });
    await expect(status.run({ json: false, port: PORT }, refused.io)).rejects.toThrow("ending");
  });

  test("the overrides: names and values, a secret by name only (--json: null)", async () => {
    const env = { LOG_LEVEL: "debug", GREETING: "hi there", OPENAI_API_KEY: null };
    const f = fake({ command: "status", answer: () => ({ done: { ok: true, data: { ...data, env } } }) });
    const outcome = await status.run({ json: false, port: PORT }, f.io);
    expect(f.out()).toContain(
      "env:          LOG_LEVEL=debug, GREETING='hi there', OPENAI_API_KEY (value hidden)\n",
    );
    expect(outcome.fields).toEqual({ running: true, status: { ...data, env } });
    // No overrides: no row.
    const plain = fake({ command: "status", answer: () => ({ done: { ok: true, data } }) });
    await status.run({ json: false, port: PORT }, plain.io);
    expect(plain.out()).not.toContain("env:");
  });

  test("the agent down: why, how it exited, its last lines; exit 1 with what to do", async () => {
    const lastLines = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`);
    const agentDown = {
      reason: "the agent exited with code 1 before connecting",
      since: "2026-01-01T00:00:00.000Z",
      exit: "the agent exited with code 1",
      lastLines: [...lastLines.slice(0, -1), "SyntaxError: invalid syntax"],
    };
    const down = { ...data, agentPid: 0, agentState: "down", agentDown };
    const f = fake({ command: "status", answer: () => ({ done: { ok: true, data: down } }) });
    const outcome = await status.run({ json: false, port: PORT }, f.io);
    const out = f.out();
    expect(out).toStartWith(`● Session on 127.0.0.1:${PORT}: the agent is down\n`);
    expect(out).toContain("agent:        Node.js agent.ts in /work/agent (not running, runtime bun)");
    expect(out).toMatch(
      /agent down: +since \d\d:\d\d:\d\d: the agent exited with code 1 before connecting\n/,
    );
    expect(out).toContain("exit:         the agent exited with code 1\n");
    expect(out).toContain(
      "last output:  its last 12 line(s) (the whole log: lk agent session logs)\n    line 3\n",
    );
    expect(out).toContain("    SyntaxError: invalid syntax\n  daemon:");
    expect(out).not.toContain("line 2\n");
    // Nothing the agent would have said: no framework, active agent or usage.
    expect(out).not.toContain("framework:");
    expect(out).not.toContain("active agent:");
    expect(outcome.error?.message).toBe(
      "the agent is down: the agent exited with code 1 before connecting; fix it and run: lk agent session restart",
    );
    expect(outcome.fields).toEqual({ running: true, status: down });
    expect(f.report(outcome)).toBe(1);
  });

  test("durations", () => {
    expect(formatDuration(5_000)).toBe("5s");
    expect(formatDuration(65_000)).toBe("1m05s");
    expect(formatDuration(3_725_000)).toBe("1h02m");
    expect(formatDuration(1_800_000)).toBe("30m");
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(7_200_000)).toBe("2h");
    expect(formatDuration(500)).toBe("500ms");
    expect(formatDuration(0)).toBe("0s");
  });
});
