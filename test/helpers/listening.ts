// What a process tree holds open: the TCP ports its processes listen on (the audio agent's health
// server takes two random ones), to check that nothing of it outlives `end`.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { descendants } from "../../src/agent/process-tree.ts";

/** The pid and its descendants (Linux: from /proc; elsewhere the pid alone). */
export function processTree(pid: number): number[] {
  return [pid, ...descendants(pid)];
}

/**
 * TCP ports the processes listen on. Linux: their socket inodes matched in /proc/net/tcp{,6};
 * macOS: lsof. Undefined where neither works (Windows): the caller checks the processes alone.
 */
export function listeningPorts(pids: number[]): number[] | undefined {
  if (process.platform === "linux") return fromProc(pids);
  if (process.platform === "darwin") return fromLsof(pids);
  return undefined;
}

function fromProc(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {}
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      const f = row.trim().split(/\s+/);
      // f[1] local address:port (hex), f[3] state (0A: listening), f[9] the socket's inode
      if (f[3] === "0A" && f[9] && inodes.has(f[9]))
        ports.add(Number.parseInt(f[1]?.split(":").at(-1) ?? "0", 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function fromLsof(pids: number[]): number[] {
  const r = Bun.spawnSync(["lsof", "-nP", "-a", "-p", pids.join(","), "-iTCP", "-sTCP:LISTEN", "-Fn"]);
  const ports = new Set<number>();
  for (const line of r.stdout.toString().split("\n")) {
    const port = /^n.*:(\d+)$/.exec(line)?.[1];
    if (port) ports.add(Number(port));
  }
  return [...ports].sort((a, b) => a - b);
}
