// What `start` hands the daemon it re-executes, and what the daemon reports back.

import type { AgentInfo } from "./control.ts";
import type { DeliveredEvent } from "./events.ts";
import type { LaunchPlan } from "./launch-plan.ts";

/** The environment variable carrying the spec; its absence means a person ran the hidden command. */
export const DAEMON_SPEC_ENV = "LK_SESSION_DAEMON_SPEC";

/** What `start` was asked for besides the entrypoint: recorded, so that `restart` plans the same launch. */
export interface LaunchChoices {
  /** `--runtime`, for a Node.js agent. */
  runtime?: "node" | "bun";
  skipSdkCheck: boolean;
}

/** What `start` asks for: the agent to run and how long to wait for it. */
export interface LaunchRequest {
  port: number;
  connectTimeoutMs: number;
  /** No client command for this long ends the session; 0: never. */
  idleTimeoutMs: number;
  plan: LaunchPlan;
  entry: string;
  root: string;
  runtimeArgs: string[];
  choices: LaunchChoices;
}

/** The request as the daemon gets it, with where to report back. */
export interface DaemonSpec extends LaunchRequest {
  /**
   * Where `start` waits for the ReadyReport: a loopback port of its own. The daemon connects, sends
   * `key`, a newline, the report as JSON, and closes. Absent (or unreachable): the file below.
   */
  readySignal?: ReadySignal;
  /** Where the daemon writes its ReadyReport (write + rename) when it cannot signal it, for `start` to pick up. */
  readyFile: string;
  /** That `start`: once it is gone, nobody would read (or remove) a report. */
  launcherPid: number;
}

/** Only the daemon knows `key` (its spec is in its environment alone): anything else on the port is ignored. */
export interface ReadySignal {
  port: number;
  key: string;
}

export type ReadyReport =
  | {
      ok: true;
      daemonPid: number;
      agentPid: number;
      greeting: DeliveredEvent[];
      agentLog: string;
      /** The agent that greeted, and its tools (absent when the agent does not say). */
      agentInfo?: AgentInfo;
    }
  | {
      ok: false;
      code: "port_in_use" | "bind_failed" | "spawn_failed" | "agent_failed" | "timeout" | "daemon_failed";
      error: string;
      detail: string[];
      agentLog?: string;
    };
