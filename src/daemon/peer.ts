// Is the process at the other end of a loopback connection the agent we started (or its child)?
// Linux only, from /proc; elsewhere the first well-formed agent frame is the only check.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Socket } from "bun";
import { descendants } from "../agent/process-tree.ts";

export function agentPeerCheck(socket: Socket<unknown>, agentPid: number, log: (m: string) => void): boolean {
  if (process.platform !== "linux") return true;
  const inode = socketInode(socket.remotePort, socket.localPort);
  if (inode === undefined) {
    // /proc not readable (a hardened container): do not lock the agent out.
    log("peer check skipped: the connection was not found in /proc/net/tcp");
    return true;
  }
  const owners = [agentPid, ...descendants(agentPid)];
  if (owners.some((pid) => holdsSocket(pid, inode))) return true;
  log(
    `refused an agent connection from port ${socket.remotePort}: it does not belong to agent pid ${agentPid}`,
  );
  return false;
}

/** The inode of the peer's socket: the /proc/net/tcp row whose local port is the peer's. */
function socketInode(peerPort: number, ourPort: number): string | undefined {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      const local = cols[1];
      const remote = cols[2];
      const inode = cols[9];
      if (!local || !remote || !inode) continue;
      if (portOf(local) === peerPort && portOf(remote) === ourPort) return inode;
    }
  }
  return undefined;
}

function portOf(hexAddress: string): number {
  return Number.parseInt(hexAddress.slice(hexAddress.lastIndexOf(":") + 1), 16);
}

function holdsSocket(pid: number, inode: string): boolean {
  const target = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
    } catch {}
  }
  return false;
}
