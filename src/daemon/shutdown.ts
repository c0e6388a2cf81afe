// Why the daemon stops, what that means for its turns, logs and exit code, and the release itself.

import { rmSync } from "node:fs";
import type { AgentOutput } from "../agent/output.ts";
import type { AgentProcess } from "../agent/process.ts";
import type { ControlErrorCode } from "../protocol/control.ts";
import { removeState } from "../state/session-file.ts";
import type { AgentLink } from "./agent-link.ts";
import type { SessionPort } from "./server.ts";
import { formatSeconds } from "./session.ts";
import { StartFailure } from "./start-up.ts";

/** SIGINT first; whatever still runs after this is killed. */
export const STOP_GRACE_MS = 1500;

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
  /** How running and queued turns (and commands arriving now) fail. */
  turns: { code: ControlErrorCode; error: string };
  /** The turns' failure shows the agent's last output. */
  withOutput: boolean;
  /** A failed or crashed session keeps its logs for the user to read. */
  keepLogs: boolean;
  exitCode: number;
  /** Why the session ended, for the next command on the port (a stop nobody asked for). */
  ended?: { reason: string; detail: string };
  /** Set when the session had not started: what `start` reports. */
  startFailure?: StartFailure;
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
  const failStart = (failure: StartFailure) => (starting ? { startFailure: failure } : {});
  switch (cause.kind) {
    case "signal":
      return {
        why: `${cause.signal} received`,
        turns: { code: "ending", error: "the session daemon was stopped" },
        withOutput: false,
        keepLogs: false,
        exitCode: 0,
        ...failStart(new StartFailure("agent_failed", `the session daemon was stopped (${cause.signal})`)),
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
            turns: { code: "ending", error: "the session was ended while this turn was running" },
            withOutput: false,
            keepLogs: false,
            exitCode: 0,
          };
    case "idle": {
      const detail = `no command for ${formatSeconds(cause.ms)} (--idle-timeout)`;
      return {
        why: `idle: ${detail}`,
        turns: { code: "ending", error: `the session ended: ${detail}` },
        withOutput: false,
        keepLogs: true,
        exitCode: 0,
        ended: { reason: "idle", detail },
      };
    }
    case "agent-exited":
      return {
        why: cause.exit,
        turns: { code: "agent_exited", error: cause.exit },
        withOutput: true,
        keepLogs: true,
        exitCode: 1,
        ...failStart(new StartFailure("agent_failed", cause.exit)),
      };
    case "agent-hung-up": {
      const error = `${cause.reason}; the agent was still running and has been stopped`;
      return {
        why: error,
        turns: { code: "agent_exited", error },
        withOutput: true,
        keepLogs: true,
        exitCode: 1,
        ...failStart(new StartFailure("agent_failed", `the agent failed: ${cause.reason}`)),
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
  link?: AgentLink;
  output?: AgentOutput;
  port?: SessionPort;
  /** The port whose session record we wrote (it must go). */
  recordOf?: number;
  logs: string[];
}

/** Stops the agent and frees the port; resolves when the port is free. */
export async function release(held: Held, keepLogs: boolean): Promise<void> {
  // SIGINT first, with the connection still open: the agent closing it tells us it is done.
  await held.agent?.stop(STOP_GRACE_MS, held.link?.whenClosed);
  held.link?.close("the session is ending");
  held.output?.close();
  // Stop listening before anyone is told the session ended: the port is then free.
  held.port?.stop();
  if (held.recordOf !== undefined) removeState(held.recordOf);
  if (!keepLogs) for (const path of held.logs) rmSync(path, { force: true });
}
