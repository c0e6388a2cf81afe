// Facts about a pid: is it alive, who is its parent. Linux answers from /proc.

import { readdirSync, readFileSync } from "node:fs";

/**
 * The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses):
 * [0] is the state, [1] the parent pid. Undefined when the process or /proc is not there.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Is a process with this pid alive? A zombie (exited, not yet reaped by its new parent) is not. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform !== "linux") return true;
  const state = procStat(pid)?.[0];
  return state !== undefined && state !== "Z";
}

/** Every pid /proc lists (Linux); none when /proc cannot be read. */
export function procPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}
