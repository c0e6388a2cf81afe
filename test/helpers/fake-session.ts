// Fakes for calling a command's run() directly: output streams that collect text, and a session
// client that answers from a script and records what it was asked. No daemon, no binary.

import type { CommandEnv } from "../../src/cli/command.ts";
import { finish } from "../../src/cli/runner.ts";
import type { CommandIO } from "../../src/commands/_shared.ts";
import type { Done } from "../../src/control/client.ts";
import type { ControlCommand, EndSummary } from "../../src/protocol/control.ts";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import { Reporter } from "../../src/render/reporter.ts";
import type { SessionLookup } from "../../src/session/find-session.ts";
import type { RestartRequest } from "../../src/session/restart-session.ts";
import type { SessionClient } from "../../src/session/session-client.ts";
import type { StartedSession, StartRequest } from "../../src/session/start-session.ts";
import type { SessionState } from "../../src/state/session-file.ts";

export const PORT = 8775;

export const FAKE_SUMMARY: EndSummary = {
  turns: 1,
  startedAt: "2026-01-01T00:00:00.000Z",
  uptimeMs: 3_725_000,
  runs: 1,
  agentId: "echo_agent",
  agentLog: "/state/session-8775.agent.log",
};

export function fakeState(overrides: Partial<SessionState> = {}): SessionState {
  return {
    version: 1,
    port: PORT,
    daemonPid: 4242,
    token: "t".repeat(64),
    startedAt: "2026-01-01T00:00:00.000Z",
    agent: {
      pid: 4343,
      runtime: "node",
      label: "Node.js",
      entry: "agent.mjs",
      root: "/work/agent",
      argv: ["node", "agent.mjs", "console"],
      runtimeArgs: [],
    },
    launch: { connectTimeoutMs: 60_000, skipSdkCheck: false },
    agentLog: "/state/session-8775.agent.log",
    daemonLog: "/state/session-8775.daemon.log",
    ...overrides,
  };
}

/** What the fake daemon answers to one command: events to stream, then its done reply. */
export interface Answer {
  events?: SessionEvent[];
  done?: Partial<Done>;
}

export interface FakeOptions {
  command: string;
  json?: boolean;
  found?: SessionLookup;
  /** Called for each command sent; the default echoes a say's text as the agent's reply. */
  answer?: (cmd: ControlCommand, index: number) => Answer;
  stdin?: string;
  started?: Partial<StartedSession>;
  /** What the daemon's answer to end says (the default: one turn, an hour, echo_agent). */
  ended?: EndSummary | undefined;
}

export interface Fake {
  io: CommandIO;
  reporter: Reporter;
  out(): string;
  err(): string;
  /** Every stdout line parsed as JSON (for --json runs). */
  lines(): Record<string, unknown>[];
  finds: { port: number; thorough: boolean }[];
  sent: ControlCommand[];
  starts: StartRequest[];
  restarts: RestartRequest[];
  stops: SessionState[];
  /** The outcome reported as the runner does it; returns the exit code. */
  report(outcome: Parameters<typeof finish>[1]): number;
}

export const echo = (cmd: ControlCommand): Answer =>
  cmd.cmd === "say"
    ? {
        events: [
          { type: "message", role: "user", text: cmd.text },
          { type: "message", role: "assistant", text: cmd.text },
        ],
      }
    : {};

export function fake(opts: FakeOptions): Fake {
  let out = "";
  let err = "";
  const reporter = new Reporter(opts.command, opts.json === true, {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
  });
  const state = opts.found?.kind === "running" ? opts.found.state : fakeState();
  const finds: Fake["finds"] = [];
  const sent: ControlCommand[] = [];
  const starts: StartRequest[] = [];
  const restarts: RestartRequest[] = [];
  const stops: SessionState[] = [];
  let at = 1_000;
  const session: SessionClient = {
    find: async (port, how) => {
      finds.push({ port, thorough: how?.thorough === true });
      return opts.found ?? { kind: "running", port, state };
    },
    send: async (_state, cmd, onEvent) => {
      const answer = (opts.answer ?? echo)(cmd, sent.length);
      sent.push(cmd);
      for (const event of answer.events ?? []) onEvent?.({ ...event, at: at++ } as DeliveredEvent);
      // The script decides the reply, data included: a test says what a daemon would have answered
      // (a finished say always has its turn time).
      const data = cmd.cmd === "say" ? { data: { turnMs: 5 } } : {};
      return { t: "done", ok: true, ...data, ...answer.done } as Done<(typeof cmd)["cmd"]>;
    },
    start: async (_reporter, request) => {
      starts.push(request);
      return {
        port: request.port,
        daemonPid: 1,
        agentPid: 2,
        readyMs: 3,
        agentLog: "/state/agent.log",
        greeting: [],
        ...opts.started,
      };
    },
    restart: async (_reporter, s, request) => {
      restarts.push(request);
      return {
        port: s.port,
        daemonPid: s.daemonPid,
        agentPid: 2,
        readyMs: 3,
        agentLog: s.agentLog,
        greeting: [],
        agent: {
          label: s.agent.label,
          runtime: s.agent.runtime,
          entry: s.agent.entry,
          root: s.agent.root,
          argv: [],
        },
        env: {},
        ...opts.started,
      };
    },
    stop: async (s) => {
      stops.push(s);
      return "ended" in opts ? opts.ended : FAKE_SUMMARY;
    },
  };
  return {
    io: { reporter, session, readStdin: async () => opts.stdin ?? "" },
    reporter,
    out: () => out,
    err: () => err,
    lines: () =>
      out
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    finds,
    sent,
    starts,
    restarts,
    stops,
    report: (outcome) => finish(reporter, outcome),
  };
}

export function env(
  vars: Record<string, string | undefined> = {},
  more: Partial<CommandEnv> = {},
): CommandEnv {
  return { vars, cwd: "/work", stdinIsTerminal: true, ...more };
}
