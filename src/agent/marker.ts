// Every process the agent starts inherits its environment, and with it this marker: a process that
// left the agent's process group (double-forked, setsid) is still found by it. The value is random
// per agent, so it names that agent's processes and no others.

import { readFileSync } from "node:fs";
import { procPids } from "./pids.ts";

export const MARKER_ENV = "LK_SESSION_AGENT_ID";

export function newMarker(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
}

/**
 * Live processes whose environment (as it was when they started) carries the marker, this one
 * excluded. Linux reads /proc/PID/environ; macOS asks `ps -E`, which shows the environment of the
 * user's own processes; elsewhere (Windows) none are found.
 */
export function markedProcesses(marker: string): number[] {
  if (process.platform === "linux") return fromProc(marker);
  if (process.platform === "darwin") return fromPs(marker);
  return [];
}

function fromProc(marker: string): number[] {
  const entry = Buffer.from(`${MARKER_ENV}=${marker}\0`);
  const found: number[] = [];
  for (const pid of procPids()) {
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    const at = environ.indexOf(entry);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid);
  }
  return found;
}

function fromPs(marker: string): number[] {
  const ps = Bun.spawnSync(["/bin/ps", "-E", "-ww", "-ax", "-o", "pid=,command="], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const entry = ` ${MARKER_ENV}=${marker}`;
  const found: number[] = [];
  for (const line of ps.stdout.toString().split("\n")) {
    const pid = Number(/^\s*(\d+)/.exec(line)?.[1]);
    if (!pid || pid === process.pid) continue;
    // The environment follows the command line; the marker ends at a space or the line's end.
    const at = line.indexOf(entry);
    if (at !== -1 && /^(\s|$)/.test(line.slice(at + entry.length))) found.push(pid);
  }
  return found;
}
