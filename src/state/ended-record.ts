// When a session that had started stops (an `end`, a signal, the idle timeout, its agent exiting or
// dropping its connection, or its daemon found dead), this record is left beside the state file: the
// next command on the port says what happened and how to start it again, and `logs` still finds that
// agent's log. The next start on the port removes it.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../safe-files.ts";
import { type Relaunch, readRecord } from "./session-file.ts";
import { ensureStateDir, stateDir, trustedStateDir } from "./state-dir.ts";

export interface EndedRecord {
  version: 1;
  port: number;
  /** ISO time. */
  endedAt: string;
  /** As the daemon put it: "the agent exited with code 6". */
  why: string;
  agentLog: string;
  /** The agent's last output lines. */
  lastLines: string[];
  /** What it was started with: the hint names the `start` that starts it again (absent in older records). */
  relaunch?: Relaunch;
}

export function endedPath(port: number, dir = stateDir()): string {
  return join(dir, `session-${port}.ended.json`);
}

export function writeEnded(record: EndedRecord): void {
  writeFileAtomic(endedPath(record.port, ensureStateDir()), JSON.stringify(record, null, 2));
}

export function readEnded(port: number): EndedRecord | undefined {
  const value = readRecord<EndedRecord>(endedPath(port, trustedStateDir()));
  return value?.version === 1 && value.port === port && typeof value.why === "string" ? value : undefined;
}

export function removeEnded(port: number): void {
  rmSync(endedPath(port), { force: true });
}
