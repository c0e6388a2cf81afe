// Is a recorded pid still the process we started? Pids are reused (after a reboot, or quickly on
// Windows): a record is trusted only when the process's command line still matches.

import { readFileSync } from "node:fs";
import { isAlive } from "../agent/pids.ts";
import { removeState, type SessionState } from "../state/session-file.ts";

/**
 * The process's command line, or undefined when this platform cannot tell. `cheap`: only what costs
 * no process spawn (macOS needs `ps`, ~5 ms: too much for every `say`, fine when something failed).
 */
export function commandLineOf(pid: number, cheap = false): string | undefined {
  try {
    if (process.platform === "linux")
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    if (process.platform === "darwin" && !cheap) {
      const ps = Bun.spawnSync(["/bin/ps", "-o", "command=", "-p", String(pid)], {
        stdout: "pipe",
        stderr: "ignore",
      });
      return ps.exitCode === 0 ? ps.stdout.toString().trim() : "";
    }
  } catch {
    return "";
  }
  return undefined;
}

/** Alive and, where the platform can tell, still running a command line containing every piece. */
export function isLiveProcessOf(pid: number | undefined, pieces: string[], cheap = false): boolean {
  if (!pid || !isAlive(pid)) return false;
  const line = commandLineOf(pid, cheap);
  return line === undefined || pieces.every((p) => line.includes(p));
}

/**
 * The session daemon of a record: this program's hidden `daemon` command. `cheap` for the path of
 * every command, where the control connection (token, acknowledgement) settles any remaining doubt.
 */
export function isOurDaemon(state: SessionState, cheap = false): boolean {
  return isLiveProcessOf(state.daemonPid, ["agent", "session", "daemon"], cheap);
}

/**
 * Cleans up after a daemon that died hard (its watchdog normally has already): kills the agent it
 * left (only if that pid still runs the agent started for this port) and whatever carries the
 * agent's marker, and removes the record. Returns what it did, for the user. (The process tree's code
 * loads only then: a running session's commands never need it.)
 */
export async function cleanStaleRecord(state: SessionState, why: string): Promise<string[]> {
  const { killTreeNow } = await import("../agent/process-tree.ts");
  const notes = [`removed a stale session record: ${why}`];
  const agentPid = state.agent.pid;
  const ours =
    process.platform === "win32"
      ? windowsImageMatches(agentPid, state.agent.argv[0] ?? "")
      : isLiveProcessOf(agentPid, [`127.0.0.1:${state.port}`]);
  const marker = typeof state.agent.marker === "string" ? state.agent.marker : undefined;
  const killed = killTreeNow(agentPid && ours ? agentPid : undefined, marker);
  if (agentPid && ours) notes.push(`killed its orphaned agent (pid ${agentPid})`);
  else if (killed.length) notes.push(`killed what its agent had left running (pids ${killed.join(", ")})`);
  removeState(state.port);
  return notes;
}

/** Windows has no cheap command line for a pid: at least the program must be the same. */
function windowsImageMatches(pid: number | undefined, argv0: string): boolean {
  if (!pid || !isAlive(pid)) return false;
  const out = Bun.spawnSync(["tasklist", "/FI", `PID eq ${pid}`, "/FO", "CSV", "/NH"], { windowsHide: true });
  const image = argv0.split(/[\\/]/).pop()?.toLowerCase() ?? "";
  return image !== "" && out.stdout.toString().toLowerCase().includes(`"${image}`);
}
