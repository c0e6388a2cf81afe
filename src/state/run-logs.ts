// The agent logs a port keeps: one file per run (one agent process: each `start` and each
// `restart` begins a run), the newest at the path the session record names, the earlier ones
// beside it, counted back:
//
//   session-8775.agent.log          the last run (the running one while a session runs)
//   session-8775.agent.prev-1.log   the run before it
//   session-8775.agent.prev-2.log   the one before that
//
// Each may have its older part beside it (`<file>.1`: a chatty run's log is cut at 8 MiB, once).
// A new run moves each back one place and the oldest goes: the last KEPT_RUNS runs are kept, across
// `end` and `start` alike, until `end --clean` removes them. Renames never follow a link (a link
// planted at a destination is replaced, not written through).

import { lstatSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { endedPath } from "./ended-record.ts";
import { logPaths } from "./session-file.ts";
import { stateDir } from "./state-dir.ts";

/** The last run and the two before it. */
export const KEPT_RUNS = 3;

/** The log of the run `back` runs before the last (0: the last run). */
export function runLogPath(port: number, back: number, dir = stateDir()): string {
  return back === 0 ? logPaths(port, dir).agentLog : join(dir, `session-${port}.agent.prev-${back}.log`);
}

/** A run's files, its older part first (the order they are read in). */
export function runLogParts(path: string): [string, string] {
  return [`${path}.1`, path];
}

export type RotationStep = { remove: string } | { rename: string; to: string };

/**
 * What making room for a new run does, as steps: the oldest kept run goes, every other moves back
 * one place, and the last run's place is left empty. Pure: `exists` says which files are there.
 */
export function planRotation(
  port: number,
  dir: string,
  exists: (path: string) => boolean,
  keep = KEPT_RUNS,
): RotationStep[] {
  const steps: RotationStep[] = [];
  // Oldest first: each place is empty (moved back, or gone) before the newer run moves into it.
  for (let back = keep - 1; back >= 0; back--) {
    const from = runLogParts(runLogPath(port, back, dir));
    const to = back + 1 < keep ? runLogParts(runLogPath(port, back + 1, dir)) : undefined;
    from.forEach((path, i) => {
      if (!exists(path)) return;
      const target = to?.[i];
      steps.push(target ? { rename: path, to: target } : { remove: path });
    });
  }
  return steps;
}

/** Makes room for a new run (see planRotation). */
export function rotateRunLogs(port: number, dir = stateDir()): void {
  for (const step of planRotation(port, dir, present)) {
    if ("remove" in step) rmSync(step.remove, { force: true });
    else renameSync(step.rename, step.to);
  }
}

/** The kept runs' logs, the last run first: `back` counts runs back from it. */
export function keptRuns(port: number, dir = stateDir()): { back: number; path: string }[] {
  const runs: { back: number; path: string }[] = [];
  for (let back = 0; back < KEPT_RUNS; back++) {
    const path = runLogPath(port, back, dir);
    if (runLogParts(path).some((p) => present(p))) runs.push({ back, path });
  }
  return runs;
}

/**
 * Removes what a port's sessions left (`end --clean`): every kept run's log, a daemon log a failed
 * start kept, the record of a session that ended on its own. Returns the files it removed.
 */
export function removeLeftFiles(port: number, dir = stateDir()): string[] {
  const runs = Array.from({ length: KEPT_RUNS }, (_, back) =>
    runLogParts(runLogPath(port, back, dir)),
  ).flat();
  const left = [...runs, logPaths(port, dir).daemonLog, endedPath(port, dir)].filter((path) => present(path));
  for (const path of left) rmSync(path, { force: true });
  return left;
}

/** Is there a file (or a link, followed or not) at `path`? */
function present(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
