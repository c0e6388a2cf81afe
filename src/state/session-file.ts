// One small file per port describes the running session: who the daemon is and the
// token that proves a client belongs to the session's owner.

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LaunchPlan } from "../protocol/launch-plan.ts";
import { ensureStateDir, stateDir } from "./state-dir.ts";

export interface SessionState {
  version: 1;
  port: number;
  daemonPid: number;
  /** Random, hex, 256 bits: presented on every control connection. */
  token: string;
  startedAt: string;
  agent: {
    pid?: number;
    runtime: string;
    label: string;
    entry: string;
    root: string;
    argv: string[];
    runtimeArgs: string[];
  };
  /** Everything `restart` needs to start the same agent again. */
  launch: { plan: LaunchPlan; connectTimeoutMs: number; idleTimeoutMs?: number };
  agentLog: string;
  daemonLog: string;
}

export function statePath(port: number, dir = stateDir()): string {
  return join(dir, `session-${port}.json`);
}

export function logPaths(port: number, dir = stateDir()): { agentLog: string; daemonLog: string } {
  return {
    agentLog: join(dir, `session-${port}.agent.log`),
    daemonLog: join(dir, `session-${port}.daemon.log`),
  };
}

export function readState(port: number): SessionState | undefined {
  const path = statePath(port);
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as SessionState;
    return value.version === 1 && value.port === port ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename), readable by the owner only. */
export function writeState(state: SessionState): void {
  const dir = ensureStateDir();
  writeFileAtomic(statePath(state.port, dir), JSON.stringify(state, null, 2));
}

export function removeState(port: number): void {
  rmSync(statePath(port), { force: true });
}

export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, path);
}

export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}
