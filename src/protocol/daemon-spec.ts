// What `start` hands the daemon it re-executes, and what the daemon reports back.

import type { AudioSettings } from "./audio.ts";
import type { AgentInfo } from "./control.ts";
import type { EnvFrom } from "./env.ts";
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
  /** `start --audio`: each turn spoken into the agent's microphone (absent: text mode). */
  audio?: AudioSettings;
  /**
   * `--env`/`--env-file`: set on top of the environment of the shell that ran `start`. The daemon keeps
   * both for every restart (and writes only the names of secrets: see env.ts).
   */
  env?: Record<string, string>;
  /** Where `env` came from, for the `start` printed once the session has ended. */
  envFrom?: EnvFrom;
}

/** The request as the daemon gets it, with where to report back. */
export interface DaemonSpec extends LaunchRequest {
  /** Where the daemon writes its ReadyReport (write + rename), for `start` to pick up. */
  readyFile: string;
  /** That `start`: once it is gone, nobody would read (or remove) a report. */
  launcherPid: number;
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
