// One run of one scenario: a fresh session on a port of its own, every turn played and judged,
// and the session ended afterwards whatever happened (a failure, an error, Ctrl-C).

import type { PreparedLaunch } from "../agent/prepare.ts";
import { UserError } from "../errors.ts";
import type { LaunchChoices } from "../protocol/daemon-spec.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { Reporter } from "../render/reporter.ts";
import { removeLeftFiles } from "../state/run-logs.ts";
import { logPaths, type SessionState } from "../state/session-file.ts";
import { agentTail } from "./agent-logs.ts";
import { audioSettings } from "./audio-settings.ts";
import type { Expectation, ExpectationResult } from "./expect.ts";
import { runningSession } from "./find-session.ts";
import type { PortPicker } from "./free-port.ts";
import { type GreetingRecord, judgeGreeting } from "./greeting.ts";
import { type PlayedTurn, playTurn } from "./play-turn.ts";
import type { Scenario } from "./scenario.ts";
import type { SessionClient } from "./session-client.ts";
import { PortTaken } from "./start-session.ts";

export interface PreparedScenario {
  scenario: Scenario;
  agent: PreparedLaunch;
  /** Its place in the whole suite, before sharding. */
  index: number;
}

export interface TurnRecord {
  turn: number;
  line: number;
  text: string;
  ok: boolean;
  reply: string;
  wallMs: number;
  expectations: ExpectationResult[];
  events: DeliveredEvent[];
}

export interface Failure {
  /** The turn (1-based) and its line, when a turn failed rather than the start. */
  turn?: number;
  /** The greeting check failed (at `line`). */
  greeting?: true;
  line?: number;
  text?: string;
  message: string;
  detail: string[];
}

export type AttemptStatus = "passed" | "failed" | "error" | "interrupted";

export interface AttemptResult {
  name: string;
  file: string;
  index: number;
  attempt: number;
  status: AttemptStatus;
  port?: number;
  /** The greeting check, when the scenario has one and the agent started. */
  greeting?: GreetingRecord;
  turns: TurnRecord[];
  /** Expectation failures (several with --keep-going), or the one error that stopped the run. */
  failures: Failure[];
  /** The agent's log: its last lines (all kept lines for JUnit). */
  agentLog: string[];
  durationMs: number;
}

export interface AttemptContext {
  session: SessionClient;
  ports: PortPicker;
  keepGoing: boolean;
  connectTimeoutMs: number;
  /** Each session's --idle-timeout: what ends it should this process die without ending it. */
  idleTimeoutMs: number;
  /** --runtime and --skip-sdk-check, as `start` records them. */
  choices: LaunchChoices;
  /** How many of the agent log's last lines to keep. */
  logLines: number;
  signal: AbortSignal;
  onTurn?(result: AttemptResult, turn: TurnRecord): void;
}

const INTERRUPTED = Symbol("interrupted");

export async function runAttempt(
  prepared: PreparedScenario,
  attempt: number,
  ctx: AttemptContext,
): Promise<AttemptResult> {
  const { scenario, agent } = prepared;
  const started = performance.now();
  const result: AttemptResult = {
    name: scenario.name,
    file: scenario.file,
    index: prepared.index,
    attempt,
    status: "passed",
    turns: [],
    failures: [],
    agentLog: [],
    durationMs: 0,
  };
  const fail = (status: AttemptStatus, failure: Failure) => {
    result.status = status;
    result.failures.push(failure);
  };
  let state: SessionState | undefined;
  try {
    if (ctx.signal.aborted) throw INTERRUPTED;
    // `audio: true`: the TTS is found first, or the scenario cannot run (it says what to install).
    const audio = scenario.audio && (await audioSettings({ ...scenario.audio, fastPlayback: false }));
    const start = (port: number) => {
      const plan = agent.planFor(port);
      // Never cancelled half-way: a session that starts is always ended below.
      return ctx.session.start(quietReporter(), {
        port,
        plan: { ...plan, env: { ...plan.env, ...scenario.env } },
        entry: agent.project.entry,
        root: agent.project.root,
        runtimeArgs: scenario.args,
        connectTimeoutMs: ctx.connectTimeoutMs,
        idleTimeoutMs: ctx.idleTimeoutMs,
        choices: ctx.choices,
        ...(audio ? { audio } : {}),
      });
    };
    const started = await onFreePort(result, ctx.ports, start);
    state = runningSession(await ctx.session.find(result.port as number));
    // A fresh agent each run: what it said on its own at start is its greeting.
    if (scenario.greeting) {
      const judged = judgeGreeting(scenario.greeting, started.greeting, "start");
      result.greeting = judged.record;
      if (judged.error) {
        const { message, detail } = judged.error;
        fail("failed", { greeting: true, line: scenario.greeting.line, message, detail });
      }
    }
    const turns = result.status === "failed" && !ctx.keepGoing ? [] : scenario.turns;
    for (const [i, turn] of turns.entries()) {
      const expectations = withErrorDefault(turn.expectations);
      const played = await untilAborted(
        playTurn(ctx.session, state, {
          text: turn.text,
          timeoutMs: scenario.timeoutMs,
          expectations,
          ...(scenario.audio?.speed !== undefined ? { audio: { speed: scenario.audio.speed } } : {}),
        }),
        ctx.signal,
      );
      const record = turnRecord(i + 1, turn, played);
      result.turns.push(record);
      const where = { turn: i + 1, line: turn.line, text: turn.text };
      if (played.failure) {
        fail("error", { ...where, message: played.failure.message, detail: played.failure.detail });
      } else if (played.check.error) {
        fail("failed", { ...where, message: played.check.error.message, detail: played.check.error.detail });
      }
      ctx.onTurn?.(result, record);
      if (played.failure || (played.check.error && !ctx.keepGoing)) break;
    }
  } catch (error) {
    if (error === INTERRUPTED) fail("interrupted", { message: "interrupted", detail: [] });
    else if (error instanceof UserError) fail("error", { message: error.message, detail: error.detail });
    else
      fail("error", { message: `unexpected error: ${(error as Error)?.stack ?? String(error)}`, detail: [] });
  } finally {
    if (result.port !== undefined) await endSession(result, state, ctx);
    result.durationMs = Math.round(performance.now() - started);
  }
  return result;
}

/**
 * Keeps the agent log's tail (colors are for terminals), ends the session, and removes what a
 * session leaves behind (its logs, kept after an end; the record of one that ended on its own):
 * the report holds them, and test ports are new every run.
 */
async function endSession(
  result: AttemptResult,
  state: SessionState | undefined,
  ctx: AttemptContext,
): Promise<void> {
  const logs = logPaths(result.port as number);
  result.agentLog = agentTail(logs.agentLog, ctx.logLines).map((l) => Bun.stripANSI(l));
  if (state) {
    await ctx.session.stop(state).catch((error: unknown) => {
      const message = `could not end the session on port ${result.port}: ${(error as Error).message}`;
      result.failures.push({ message, detail: [] });
      if (result.status === "passed") result.status = "error";
    });
  }
  try {
    removeLeftFiles(result.port as number);
  } catch {
    // Still held open (Windows) by a process on its way out: a leftover log, not a failed test.
  }
  for (const f of result.failures) f.detail = f.detail.filter((d) => !d.startsWith("full agent log: "));
}

/** A scenario turn's expectations; an agent error fails it unless an `error:` expectation says otherwise. */
export function withErrorDefault(expectations: Expectation[]): Expectation[] {
  return expectations.some((e) => e.kind === "error")
    ? expectations
    : [...expectations, { kind: "error", expected: false }];
}

function turnRecord(n: number, turn: Scenario["turns"][number], played: PlayedTurn): TurnRecord {
  return {
    turn: n,
    line: turn.line,
    text: turn.text,
    ok: !played.failure && !played.check.error,
    reply: played.observed.reply,
    wallMs: Math.round(played.observed.wallMs),
    expectations: played.check.results,
    events: played.observed.events,
  };
}

/** The turn, or INTERRUPTED thrown as soon as the signal fires (the turn then ends with its session). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw INTERRUPTED;
  promise.catch(() => {});
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(INTERRUPTED);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Start's progress and greeting go nowhere: a test reports per scenario, not per start. */
function quietReporter(): Reporter {
  const sink = { write: () => true };
  return new Reporter("start", true, { out: sink, err: sink });
}

/** How many ports a run tries when each is taken by another program before its daemon can listen. */
const PORT_TRIES = 3;

/**
 * Starts the run's session on a port of its own. A port is free when picked and listened on a moment
 * later: another program may take it meanwhile (nothing of ours started there), and the run takes
 * another one instead of failing for it.
 */
async function onFreePort<T>(
  result: AttemptResult,
  ports: PortPicker,
  start: (port: number) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const port = await ports.next();
    result.port = port;
    try {
      return await start(port);
    } catch (error) {
      if (!(error instanceof PortTaken) || tries >= PORT_TRIES) throw error;
      // What the daemon that could not listen wrote there (its log) goes with the port.
      removeLeftFiles(port);
    }
  }
}
