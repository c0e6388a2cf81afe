// Stopping an agent and everything it started.

import { markedProcesses } from "./marker.ts";
import { isAlive, procPids, procStat } from "./pids.ts";

/** Live descendants of `pid` (Linux, from /proc); empty elsewhere. */
export function descendants(pid: number): number[] {
  if (process.platform !== "linux") return [];
  const children = new Map<number, number[]>();
  for (const other of procPids()) {
    const ppid = Number(procStat(other)?.[1]);
    if (!ppid) continue;
    const list = children.get(ppid) ?? [];
    list.push(other);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Windows: taskkill from System32 by full path (never whatever a PATH lookup finds), whole tree, forced. */
export function treeKillCommand(
  pid: number,
  env: Record<string, string | undefined> = process.env,
): string[] {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? "C:\\Windows";
  return [`${root}\\System32\\taskkill.exe`, "/T", "/F", "/PID", String(pid)];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {}
}

/** How long killed processes get to be gone before stopping goes on without them. */
const KILLED_GONE_MS = 1000;

/**
 * Asks the agent (a process-group leader we started detached) to stop with SIGINT,
 * waits up to `graceMs`, then kills its group, every descendant still alive and every process
 * carrying its `marker` (those that left the group), and waits for them to be gone.
 * Windows has no SIGINT for a child: the tree is killed at once. True when the grace ran out: the
 * agent had neither exited nor said it was done, and was killed in the middle of whatever it did.
 */
export async function stopProcessTree(
  pid: number,
  exited: Promise<unknown>,
  graceMs: number,
  /**
   * Resolves when the agent is done with its job (its framework said so: its session closed, its
   * shutdown callbacks and clean-up done): what it still does is its runtime's own teardown, and it is
   * killed.
   */
  released?: Promise<unknown>,
  marker?: string,
): Promise<boolean> {
  if (process.platform === "win32") {
    // No SIGINT for a console-less child on Windows: the tree is killed outright.
    Bun.spawnSync(treeKillCommand(pid), { stdout: "ignore", stderr: "ignore", windowsHide: true });
    await Promise.race([exited, Bun.sleep(graceMs)]);
    return false;
  }
  const family = [pid, ...descendants(pid), ...marked(marker)];
  signal(-pid, "SIGINT");
  // Python takes ~0.2 s after its job has ended to close its inference process: nothing of the
  // session's is left by then.
  const ended = await Promise.race([
    exited.then(() => "exited" as const),
    Bun.sleep(graceMs).then(() => "grace ran out" as const),
    ...(released ? [released.then(() => "released" as const)] : []),
  ]);
  const gone = ended === "exited";
  // Even after a clean exit, children that left the group may linger.
  const survivors = [...new Set([...family, ...descendants(pid), ...marked(marker)])].filter((p) =>
    p === pid ? !gone : isAlive(p),
  );
  // The group too, even when its leader exited cleanly: members it left behind go with it.
  signal(-pid, "SIGKILL");
  for (const p of survivors) signal(p, "SIGKILL");
  await Promise.all([
    gone ? undefined : Promise.race([exited, Bun.sleep(KILLED_GONE_MS)]),
    goneWithin(survivors, KILLED_GONE_MS),
  ]);
  return ended === "grace ran out";
}

/**
 * Kills an agent tree without waiting: for a session whose daemon died. `pid` (its group and its
 * descendants) only when the caller knows it still is the agent; `marker`'s processes in any case.
 * Returns the pids signalled.
 */
export function killTreeNow(pid: number | undefined, marker?: string): number[] {
  if (process.platform === "win32") {
    if (pid) Bun.spawnSync(treeKillCommand(pid), { stdout: "ignore", stderr: "ignore", windowsHide: true });
    return pid ? [pid] : [];
  }
  const family = [...new Set([...(pid ? [pid, ...descendants(pid)] : []), ...marked(marker)])];
  if (pid) signal(-pid, "SIGKILL");
  for (const p of family) signal(p, "SIGKILL");
  return family;
}

function marked(marker: string | undefined): number[] {
  return marker ? markedProcesses(marker) : [];
}

async function goneWithin(pids: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some(isAlive) && Date.now() < deadline) await Bun.sleep(10);
}
