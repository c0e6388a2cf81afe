// What `start` hands the daemon it re-executes, and what the daemon reports back.

import type { AudioSettings } from "./audio.ts";
import type { AgentInfo } from "./control.ts";
import type { EnvFrom } from "./env.ts";
import type { DeliveredEvent } from "./events.ts";
import type { LaunchPlan } from "./launch-plan.ts";

/** The environment variable carrying the spec; its absence means a person ran the hidden command. */
export const DAEMON_SPEC_ENV = "LK_SESSION_DAEMON_SPEC";

/**
 * JavaScriptCore options the daemon runs with (they are read at process start, so `start` sets them):
 * no JIT. The daemon's work is small per event and waits on sockets; compiled code only cost it
 * memory (its RSS kept growing with JIT code, ~6 MB over 1,000 turns) and compile time on cores the
 * agent needs. Set only where the user has not set them, and removed by the daemon before it starts
 * anything: the agent (possibly run by this same binary as Bun) gets the user's environment as it was.
 */
export const DAEMON_ONLY_ENV: Record<string, string> = { BUN_JSC_useJIT: "0" };

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
  /**
   * Where `start` waits for the ReadyReport: a loopback port of its own. The daemon connects, sends
   * `key`, a newline, the report as JSON, and closes. Absent (or unreachable): the file below.
   */
  readySignal?: ReadySignal;
  /** Where the daemon writes its ReadyReport (write + rename) when it cannot signal it, for `start` to pick up. */
  readyFile: string;
  /** That `start`: once it is gone, nobody would read (or remove) a report. */
  launcherPid: number;
  /** What of DAEMON_ONLY_ENV `start` set (the user had not): the daemon removes these from its environment. */
  daemonOnlyEnv?: string[];
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
