// Why the daemon stops, what that means for its turns, logs and exit code, and the release itself.

import { rmSync } from "node:fs";
import type { AgentOutput } from "../agent/output.ts";
import type { AgentProcess } from "../agent/process.ts";
import type { Watchdog } from "../agent/watchdog.ts";
import { endMarker } from "../protocol/agent-log.ts";
import type { ControlErrorCode } from "../protocol/control.ts";
import { formatDuration } from "../protocol/duration.ts";
import { type EndedRecord, writeEnded } from "../state/ended-record.ts";
import { removeState } from "../state/session-file.ts";
import type { AgentLink } from "./agent-link.ts";
import type { SessionPort } from "./server.ts";
import { formatSeconds } from "./session.ts";
import { StartFailure } from "./start-up.ts";

/** SIGINT first; whatever still runs after this is killed. */
export const STOP_GRACE_MS = 1500;

/**
 * After an agent other than a Python one closed its session (its connection): how long its last
 * steps get. @livekit/agents (Node) runs its shutdown callbacks after that and logs nothing once they
 * are done, and its runtime then lingers over a second on what the turns left.
 */
const RELEASED_GRACE_MS = 300;

/**
 * An audio session's agent takes longer: on SIGINT, livekit-agents waits up to 2 s for a last user
 * transcript whenever its session has an STT (measured: the audio echo agent exits 2.3 s after
 * SIGINT). A second SIGINT would end it at once, but by killing itself (exit 137) and skipping
 * whatever shutdown hooks the agent has, so it gets the time instead.
 */
export const AUDIO_STOP_GRACE_MS = 3500;

export type StopCause =
  | { kind: "signal"; signal: string }
  | { kind: "end" }
  /** No client command for --idle-timeout (`ms`). */
  | { kind: "idle"; ms: number }
  /** The agent process exited (once ready; before, it is a start failure). */
  | { kind: "agent-exited"; exit: string }
  /** The agent dropped its connection but kept running. */
  | { kind: "agent-hung-up"; reason: string }
  | { kind: "start-failed"; failure: StartFailure };

export interface StopPlan {
  /** For the daemon's log. */
  why: string;
  /** How running and queued turns (and commands arriving now) fail; a waiting listen, by `listenError` if set. */
  turns: { code: ControlErrorCode; error: string; listenError?: string };
  /** The turns' failure shows the agent's last output. */
  withOutput: boolean;
  /** A failed or crashed session keeps its logs for the user to read. */
  keepLogs: boolean;
  /** A clean end keeps the agent's log all the same: its closing summary says where (until the next start). */
  keepAgentLog?: boolean;
  exitCode: number;
  /** Set when the session had not started: what `start` reports. */
  startFailure?: StartFailure;
  /** A started session that ended (an end, a signal, idle, its agent): the next command on the port is told why (ended-record.ts). */
  leavesRecord?: boolean;
  /** What that record says happened, when not `why` (which is for the daemon's log). */
  recordWhy?: string;
  /** The answer to commands that wait for a start that failed, or arrive while stopping. */
  refusal: { code: ControlErrorCode; error: string };
}

/** What a stop means; `starting` is whether the session had yet to become ready. */
export function planStop(cause: StopCause, starting: boolean): StopPlan {
  const plan = planFor(cause, starting);
  return plan.startFailure
    ? {
        ...plan,
        refusal: { code: "agent_exited", error: `the session could not start: ${plan.startFailure.message}` },
      }
    : { ...plan, refusal: plan.turns };
}

function planFor(cause: StopCause, starting: boolean): Omit<StopPlan, "refusal"> {
  /** Stopped from outside: before ready, start reports it; after, an ended record tells the next command. */
  const failStart = (failure: StartFailure, recordWhy: string) =>
    starting ? { startFailure: failure } : { leavesRecord: true, recordWhy };
  /** The agent's own doing: before ready, start reports it; after, an ended record tells the next command. */
  const onItsOwn = (failure: StartFailure) => (starting ? { startFailure: failure } : { leavesRecord: true });
  switch (cause.kind) {
    case "signal":
      return {
        why: `${cause.signal} received`,
        turns: { code: "ending", error: "the session daemon was stopped" },
        withOutput: false,
        keepLogs: false,
        exitCode: 0,
        ...failStart(
          new StartFailure("agent_failed", `the session daemon was stopped (${cause.signal})`),
          `the session daemon was stopped (${cause.signal})`,
        ),
      };
    case "end":
      // Ending a start that has not finished is a failed start: its logs stay, start says why.
      return starting
        ? {
            why: "end requested while starting",
            turns: { code: "ending", error: "the session was ended while it was starting" },
            withOutput: false,
            keepLogs: true,
            exitCode: 1,
            startFailure: new StartFailure("agent_failed", "the session was ended while it was starting"),
          }
        : {
            why: "end requested",
            turns: {
              code: "ending",
              error: "the session was ended while this turn was running",
              listenError: "the session was ended while listen was waiting",
            },
            withOutput: false,
            keepLogs: false,
            keepAgentLog: true,
            exitCode: 0,
            leavesRecord: true,
            recordWhy: "it was ended (`lk agent session end`)",
          };
    case "idle": {
      const why = `it was idle, with no command for ${formatDuration(cause.ms)} (--idle-timeout; 0: never)`;
      return {
        why,
        turns: { code: "ending", error: `the session ended: ${why}` },
        withOutput: false,
        keepLogs: true,
        exitCode: 0,
        leavesRecord: true,
      };
    }
    case "agent-exited":
      return {
        why: cause.exit,
        turns: { code: "agent_exited", error: cause.exit },
        withOutput: true,
        keepLogs: true,
        exitCode: 1,
        ...onItsOwn(new StartFailure("agent_failed", cause.exit)),
      };
    case "agent-hung-up": {
      const error = `${cause.reason}; the agent was still running and has been stopped`;
      return {
        why: error,
        turns: { code: "agent_exited", error },
        withOutput: true,
        keepLogs: true,
        exitCode: 1,
        ...onItsOwn(new StartFailure("agent_failed", `the agent failed: ${cause.reason}`)),
      };
    }
    case "start-failed":
      return {
        why: `start failed: ${cause.failure.message}`,
        turns: { code: "ending", error: `the session could not start: ${cause.failure.message}` },
        withOutput: false,
        keepLogs: true,
        exitCode: 1,
        startFailure: cause.failure,
      };
  }
}

export interface Held {
  agent?: AgentProcess;
  watchdog?: Watchdog;
  link?: AgentLink;
  output?: AgentOutput;
  port?: SessionPort;
  /** How long the agent gets after SIGINT (STOP_GRACE_MS unless set). */
  stopGraceMs?: number;
  /** The port whose session record we wrote (it must go). */
  recordOf?: number;
  logs: string[];
  /** The agent's log and its rotated part. */
  agentLogs: string[];
}

/** A run's end as its log's last line tells it (endMarker): which run, and why it ended. */
export interface RunEnd {
  run: number;
  why: string;
}

/**
 * Stops the agent and everything it started, then its watchdog, link and output, and forgets them
 * (a restart holds the next agent's in their place). `why` is told to the link; `end` makes the
 * run's end marker, its log's last line, written once the agent has stopped (saying so when it had
 * to be killed once its grace ran out). Resolves once all is gone.
 */
export async function releaseAgent(held: Held, why: string, end?: RunEnd): Promise<void> {
  const { agent, watchdog, link, output } = held;
  held.agent = undefined;
  held.watchdog = undefined;
  held.link = undefined;
  held.output = undefined;
  // SIGINT first, with the connection still open. The agent is done when it exits, or once it has
  // closed its session and its job has ended (see jobEnded): what it does after is its runtime's own
  // teardown. A replaced agent's too: its log's end marker comes after its last lines.
  const done = link && output ? link.whenClosed.then(() => jobEnded(agent, output)) : undefined;
  const graceMs = held.stopGraceMs ?? STOP_GRACE_MS;
  const killed = await agent?.stop(graceMs, done);
  // All it would kill is gone: it must not outlive the session.
  await watchdog?.stop();
  link?.close(why);
  const cutShort = killed ? ` (still running ${formatSeconds(graceMs)} after SIGINT: killed)` : "";
  output?.close(end && endMarker(end.run, `${end.why}${cutShort}`));
}

/**
 * Stops the agent and frees the port; resolves when the port is free. `ended`: the record to leave;
 * `end`: the running agent's run, for its log's last line (see releaseAgent).
 */
export async function release(
  held: Held,
  keepLogs: boolean,
  ended?: Omit<EndedRecord, "port">,
  keepAgentLog = keepLogs,
  end?: RunEnd,
): Promise<void> {
  await releaseAgent(held, "the session is ending", end);
  // The record is written before the port is freed: whoever waits for the port (end, test's clean-up)
  // then finds the files as they will stay, and no late write lands after its clean-up.
  if (held.recordOf !== undefined) {
    // Written first: a command that finds no session record finds this one.
    if (ended) leaveRecord({ ...ended, port: held.recordOf });
    removeState(held.recordOf);
  }
  held.port?.stop();
  if (!keepLogs) for (const path of held.logs) rmSync(path, { force: true });
  if (!keepAgentLog) for (const path of held.agentLogs) rmSync(path, { force: true });
}

function leaveRecord(record: EndedRecord): void {
  try {
    writeEnded(record);
  } catch {
    // The session still ends; the next command only says that none is running.
  }
}

/**
 * Once an agent that closed its session is done with its job: livekit-agents (Python) says so (its
 * job's last line, or its exit); another gets RELEASED_GRACE_MS.
 */
function jobEnded(agent: AgentProcess | undefined, output: AgentOutput): Promise<void> {
  return agent?.runtime === "python" ? output.jobDone() : Bun.sleep(RELEASED_GRACE_MS);
}
