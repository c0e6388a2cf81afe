// The test runner's decisions with a scripted session client: one fresh session per run on a port of
// its own, always ended; stop at the first failed turn; shards, repeats, pass rates, jobs, Ctrl-C.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PreparedLaunch } from "../../src/agent/prepare.ts";
import type { Done } from "../../src/control/client.ts";
import { UserError } from "../../src/errors.ts";
import type { ControlCommand } from "../../src/protocol/control.ts";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import type { Colors } from "../../src/render/text.ts";
import { PortPicker } from "../../src/session/free-port.ts";
import { parseScenario } from "../../src/session/scenario.ts";
import type { AttemptContext, PreparedScenario } from "../../src/session/scenario-run.ts";
import type { SessionClient } from "../../src/session/session-client.ts";
import { PortTaken, type StartRequest } from "../../src/session/start-session.ts";
import { inShard, runSuite, suiteExitCode } from "../../src/session/suite.ts";
import { attemptLines } from "../../src/session/test-report.ts";
import { fakeState } from "../helpers/fake-session.ts";

// A run reads and removes its port's logs in the state folder: a private one, not the user's.
const stateDir = mkdtempSync(join(tmpdir(), "lk-unit-suite-"));
const previous = process.env.LK_SESSION_STATE_DIR;
process.env.LK_SESSION_STATE_DIR = stateDir;
afterAll(() => {
  if (previous === undefined) delete process.env.LK_SESSION_STATE_DIR;
  else process.env.LK_SESSION_STATE_DIR = previous;
  rmSync(stateDir, { recursive: true, force: true });
});

type Answer = { events?: SessionEvent[]; done?: Partial<Done>; waitMs?: number; hang?: boolean };

/** A daemon per port: started by start, answering each say from `answer`, gone after stop. */
function fakeSessions(answer: (text: string, port: number) => Answer = (text) => echo(text)) {
  const live = new Set<number>();
  const starts: StartRequest[] = [];
  /** Ports taken by another program between their pick and the daemon's listen: the next starts fail so. */
  let takenPorts = 0;
  const attemptedPorts: number[] = [];
  const stops: number[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const session: SessionClient = {
    find: async (port) =>
      live.has(port) ? { kind: "running", port, state: fakeState({ port }) } : { kind: "none", port },
    send: async (state, cmd: ControlCommand, onEvent) => {
      if (cmd.cmd !== "say") throw new Error(`unexpected ${cmd.cmd}`);
      const a = answer(cmd.text, state.port);
      if (a.hang) await new Promise(() => {});
      if (a.waitMs) await Bun.sleep(a.waitMs);
      for (const e of a.events ?? []) onEvent?.({ ...e, at: Date.now() } as DeliveredEvent);
      return { t: "done", ok: true, ...a.done } as never;
    },
    start: async (_reporter, request) => {
      if (request.plan.env.FAIL_START) throw new UserError("could not start the session: the agent crashed");
      attemptedPorts.push(request.port);
      if (takenPorts > 0) {
        takenPorts--;
        throw new PortTaken(`could not start the session: 127.0.0.1:${request.port} is already in use`);
      }
      starts.push(request);
      live.add(request.port);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      return { port: request.port, daemonPid: 1, agentPid: 2, readyMs: 1, agentLog: "", greeting: [] };
    },
    restart: async () => {
      throw new Error("unexpected restart");
    },
    stop: async (state) => {
      stops.push(state.port);
      live.delete(state.port);
      concurrent--;
    },
  };
  const takeNext = (n: number) => {
    takenPorts = n;
  };
  return { session, starts, stops, maxConcurrent: () => maxConcurrent, live, takeNext, attemptedPorts };
}

const echo = (text: string): Answer => ({
  events: [
    { type: "message", role: "user", text },
    { type: "message", role: "assistant", text },
  ],
});

const agent: PreparedLaunch = {
  project: { kind: "node", root: "/agent", entry: "agent.mjs", marker: "package.json" },
  plan: { runtime: "node", label: "Node.js", cwd: "/agent", argv: [], env: {} },
  planFor: () => ({ runtime: "node", label: "Node.js", cwd: "/agent", argv: ["node"], env: {} }),
};

function scenario(yaml: string, index = 0, name = `s${index}`): PreparedScenario {
  return { scenario: parseScenario(yaml, `${name}.lktest.yaml`), agent, index };
}

function ctx(session: SessionClient, more: Partial<AttemptContext> = {}): AttemptContext {
  return {
    session,
    ports: new PortPicker([8775], (port) => session.find(port)),
    keepGoing: false,
    connectTimeoutMs: 1000,
    idleTimeoutMs: 120_000,
    choices: { runtime: "bun", skipSdkCheck: true },
    logLines: 15,
    signal: new AbortController().signal,
    ...more,
  };
}

const options = { jobs: 1, repeat: 1, minPassRate: 1 };
const TWO_TURNS = "turns:\n- user: one\n  expect:\n  - reply: one\n- user: two\n  expect:\n  - reply: two\n";

describe("runs", () => {
  test("each run: a fresh session on a port of its own (never 8775), ended afterwards", async () => {
    const f = fakeSessions();
    const [s] = await runSuite([scenario(TWO_TURNS)], { ...options, repeat: 3 }, ctx(f.session));
    expect(s?.status).toBe("passed");
    expect(s?.attempts.map((a) => a.turns.length)).toEqual([2, 2, 2]);
    const ports = f.starts.map((r) => r.port);
    expect(new Set(ports).size).toBe(3);
    expect(ports).not.toContain(8775);
    // Started as `start` starts one, with the run's idle timeout and launch choices.
    for (const r of f.starts)
      expect(r).toMatchObject({ idleTimeoutMs: 120_000, choices: { runtime: "bun" } });
    expect(f.stops.sort()).toEqual([...ports].sort());
    expect(f.live.size).toBe(0);
  });

  test("a port another program takes between its pick and the daemon's listen: the run takes another", async () => {
    const f = fakeSessions();
    f.takeNext(2);
    const [s] = await runSuite([scenario(TWO_TURNS)], options, ctx(f.session));
    expect(s?.status).toBe("passed");
    expect(new Set(f.attemptedPorts).size).toBe(3);
    expect(s?.attempts[0]?.port).toBe(f.attemptedPorts[2]);
    // Three taken in a row: the run fails with why, and nothing is left running.
    const g = fakeSessions();
    g.takeNext(3);
    const [t] = await runSuite([scenario(TWO_TURNS)], options, ctx(g.session));
    expect(t?.status).toBe("error");
    expect(t?.attempts[0]?.failures[0]?.message).toContain("is already in use");
    expect(g.attemptedPorts.length).toBe(3);
    expect(g.live.size).toBe(0);
  });

  test("the scenario's env and args reach the agent's launch", async () => {
    const f = fakeSessions();
    await runSuite([scenario(`args: ["-X", "dev"]\nenv: { A: "1" }\n${TWO_TURNS}`)], options, ctx(f.session));
    expect(f.starts[0]?.runtimeArgs).toEqual(["-X", "dev"]);
    expect(f.starts[0]?.plan.env).toEqual({ A: "1" });
  });

  test("a failed expectation stops the scenario there (exit 2); --keep-going plays the rest", async () => {
    const wrong = "turns:\n- user: one\n  expect:\n  - reply: nope\n- user: two\n";
    const f = fakeSessions();
    const [s] = await runSuite([scenario(wrong)], options, ctx(f.session));
    expect(s?.status).toBe("failed");
    expect(s?.attempts[0]?.turns).toHaveLength(1);
    expect(s?.attempts[0]?.failures[0]).toMatchObject({
      turn: 1,
      line: 2,
      text: "one",
      message: "expectation failed: the agent's reply did not match",
    });
    expect(suiteExitCode([s as never])).toBe(2);
    const [kept] = await runSuite([scenario(wrong)], options, ctx(f.session, { keepGoing: true }));
    expect(kept?.attempts[0]?.turns).toHaveLength(2);
    expect(f.live.size).toBe(0);
  });

  test("an agent error fails the turn by default; `error: true` expects it", async () => {
    const f = fakeSessions((text) =>
      text === "boom" ? { done: { ok: false, code: "agent_error", error: "agent error: boom" } } : echo(text),
    );
    const [plain] = await runSuite([scenario("turns:\n- user: boom\n")], options, ctx(f.session));
    expect(plain?.status).toBe("failed");
    expect(plain?.attempts[0]?.failures[0]?.detail).toContain("- expected no agent error");
    const [expected] = await runSuite(
      [scenario("turns:\n- user: boom\n  expect:\n  - error: true\n- user: after\n")],
      options,
      ctx(f.session),
    );
    expect(expected?.status).toBe("passed");
  });

  test("a turn that times out, or a start that fails, could not run (exit 1); started sessions still end", async () => {
    const f = fakeSessions(() => ({
      done: { ok: false, code: "timeout", error: "the agent did not finish" },
    }));
    const [timedOut] = await runSuite([scenario(TWO_TURNS)], options, ctx(f.session));
    expect(timedOut?.status).toBe("error");
    expect(timedOut?.attempts[0]?.failures[0]?.message).toBe("the agent did not finish");
    expect(f.stops).toHaveLength(1);
    const [notStarted] = await runSuite(
      [scenario(`env: { FAIL_START: "1" }\n${TWO_TURNS}`)],
      options,
      ctx(f.session),
    );
    expect(notStarted?.status).toBe("error");
    expect(notStarted?.attempts[0]?.failures[0]?.message).toContain("could not start the session");
    expect(suiteExitCode([timedOut as never, notStarted as never])).toBe(1);
  });

  test("a send that throws still ends the session", async () => {
    const f = fakeSessions();
    f.session.send = async () => {
      throw new UserError("the session daemon died during the command");
    };
    const [s] = await runSuite([scenario(TWO_TURNS)], options, ctx(f.session));
    expect(s?.status).toBe("error");
    expect(f.stops).toHaveLength(1);
  });

  test("interrupted mid-turn: the turn is left, the session ended, later runs never start", async () => {
    const f = fakeSessions(() => ({ hang: true }));
    const interrupt = new AbortController();
    const running = runSuite(
      [scenario(TWO_TURNS, 0), scenario(TWO_TURNS, 1)],
      options,
      ctx(f.session, { signal: interrupt.signal }),
    );
    while (f.starts.length === 0) await Bun.sleep(1);
    interrupt.abort();
    const summaries = await running;
    expect(summaries.map((s) => s.status)).toEqual(["interrupted", "interrupted"]);
    expect(f.starts).toHaveLength(1);
    expect(f.stops).toHaveLength(1);
    expect(suiteExitCode(summaries)).toBe(130);
  });
});

describe("suites", () => {
  test("--jobs N runs N at once, and never more", async () => {
    const f = fakeSessions((text) => ({ ...echo(text), waitMs: 20 }));
    const six = Array.from({ length: 6 }, (_, i) => scenario(TWO_TURNS, i));
    const summaries = await runSuite(six, { ...options, jobs: 3 }, ctx(f.session));
    expect(summaries.map((s) => s.status)).toEqual(Array(6).fill("passed"));
    expect(f.maxConcurrent()).toBe(3);
    expect(f.live.size).toBe(0);
  });

  test("--shard I/N: every Nth, starting with the Ith", () => {
    const seven = [0, 1, 2, 3, 4, 5, 6];
    expect(inShard(seven, { index: 2, count: 3 })).toEqual([1, 4]);
    expect(inShard(seven, { index: 1, count: 3 })).toEqual([0, 3, 6]);
    expect(inShard(seven, { index: 3, count: 3 })).toEqual([2, 5]);
    expect(inShard(seven, undefined)).toEqual(seven);
  });

  test("--repeat: a pass rate per scenario; --min-pass-rate decides", async () => {
    let n = 0;
    // Every third run replies wrongly: 2 of 3 pass.
    const flaky = () => fakeSessions((text) => echo(++n % 3 === 0 ? "wrong" : text));
    const once = "turns:\n- user: hi\n  expect:\n  - reply: hi\n";
    const [strict] = await runSuite([scenario(once)], { ...options, repeat: 3 }, ctx(flaky().session));
    expect(strict).toMatchObject({ passed: 2, status: "failed" });
    expect(strict?.passRate).toBeCloseTo(2 / 3);
    const [lenient] = await runSuite(
      [scenario(once)],
      { ...options, repeat: 3, minPassRate: 0.6 },
      ctx(flaky().session),
    );
    expect(lenient).toMatchObject({ passed: 2, status: "passed" });
  });
});

describe("the report", () => {
  test("a failure shows the agent's control characters as \\xHH, its log as plain text", () => {
    const plain = { green: String, red: String, dim: String } as unknown as Colors;
    const lines = attemptLines(
      {
        name: "s",
        file: "s.lktest.yaml",
        index: 0,
        attempt: 1,
        status: "failed",
        turns: [],
        failures: [
          {
            turn: 1,
            line: 2,
            text: "hi",
            message: "expectation failed",
            detail: ["+ the agent replied:", "    \x1b]0;pwned\x07 \x9b2J"],
          },
        ],
        agentLog: ["\x1b[32mINFO\x1b[0m ready \x1b[2K", "\rDEBUG done"],
        durationMs: 5,
      },
      1,
      plain,
    ).join("\n");
    expect(lines).toContain("      \\x1b]0;pwned\\x07 \\x9b2J");
    expect(lines).toContain("    agent log (last lines):\n      INFO ready \n      DEBUG done");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(lines).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
