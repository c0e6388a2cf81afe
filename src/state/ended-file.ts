// Why the last session on a port is gone, for the next command there: written by the daemon when it
// stops on its own (idle), removed when the next session on the port starts.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./session-file.ts";
import { ensureStateDir, stateDir } from "./state-dir.ts";

export interface EndedRecord {
  version: 1;
  port: number;
  /** When it ended (ISO). */
  at: string;
  /** What ended it: `idle` (no command for --idle-timeout). */
  reason: string;
  /** For a person: what happened. */
  detail: string;
  /** With `idle`: the timeout that ran out. */
  idleTimeoutMs?: number;
  turns: number;
  /** Kept until the next start on the port. */
  agentLog: string;
}

export function endedPath(port: number, dir = stateDir()): string {
  return join(dir, `session-${port}.ended.json`);
}

export function writeEnded(record: EndedRecord): void {
  writeFileAtomic(endedPath(record.port, ensureStateDir()), JSON.stringify(record, null, 2));
}

export function readEnded(port: number): EndedRecord | undefined {
  const path = endedPath(port);
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as EndedRecord;
    return value.version === 1 && value.port === port ? value : undefined;
  } catch {
    return undefined;
  }
}

export function removeEnded(port: number): void {
  rmSync(endedPath(port), { force: true });
}
