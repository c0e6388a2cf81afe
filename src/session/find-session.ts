// The one answer to "is there a session on this port?", for every command and for the error path.

import { portIsOpen } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { formatDuration, whenText } from "../render/time.ts";
import { type EndedRecord, readEnded } from "../state/ended-file.ts";
import { readState, type SessionState } from "../state/session-file.ts";
import { portHint } from "./port-hint.ts";
import { cleanStaleRecord, isOurDaemon } from "./stale.ts";

export type SessionLookup =
  | { kind: "running"; port: number; state: SessionState }
  /** Nothing listens and there was no record; `ended`: why the last session there ended itself. */
  | { kind: "none"; port: number; ended?: EndedRecord }
  /** A dead session's record (and its orphaned agent) was cleaned up; the notes say what was done. */
  | { kind: "stale"; port: number; notes: string[] }
  /** No session of ours, but another program listens on the port (notes: any stale record cleaned). */
  | { kind: "foreign"; port: number; notes: string[] };

export type NoSession = Exclude<SessionLookup, { kind: "running" }>;

/**
 * Reads the port's record and checks that its daemon is still ours. `thorough` also checks the
 * daemon's command line where that costs a process spawn (macOS): for `start` and for failures;
 * every other command's control connection (token, acknowledgement) settles any remaining doubt.
 */
export async function findSession(port: number, { thorough = false } = {}): Promise<SessionLookup> {
  const state = readState(port);
  if (state && isOurDaemon(state, !thorough)) return { kind: "running", port, state };
  const notes = state ? cleanStaleRecord(state, `its daemon (pid ${state.daemonPid}) is gone`) : [];
  if (await portIsOpen(port)) return { kind: "foreign", port, notes };
  if (notes.length) return { kind: "stale", port, notes };
  const ended = readEnded(port);
  return ended ? { kind: "none", port, ended } : { kind: "none", port };
}

/** The running session, or the error every command gives when there is none. */
export function runningSession(lookup: SessionLookup): SessionState {
  if (lookup.kind === "running") return lookup.state;
  throw notRunning(lookup);
}

/** Why there is no session to drive: nothing there (notes: what cleaning a dead one did), or another program. */
export function notRunning(lookup: NoSession): UserError {
  if (lookup.kind === "none" && lookup.ended) return endedError(lookup.ended);
  if (lookup.kind !== "foreign") {
    return new UserError(
      `no session running on 127.0.0.1:${lookup.port} (run \`lk agent session start${portHint(lookup.port)}\` first)`,
      1,
      lookup.kind === "stale" ? lookup.notes : [],
    );
  }
  return new UserError(
    `no session of yours is running on 127.0.0.1:${lookup.port}, but another program is listening there`,
    1,
    [...lookup.notes, ...FOREIGN_HINTS],
  );
}

/** The session ended itself: when, why, and where its log is. */
function endedError(ended: EndedRecord): UserError {
  const idle = ended.reason === "idle" && ended.idleTimeoutMs !== undefined;
  const why = idle
    ? ` for being idle: no command for ${formatDuration(ended.idleTimeoutMs ?? 0)} (its --idle-timeout)`
    : `: ${ended.detail}`;
  const start = `start a new one with \`lk agent session start${portHint(ended.port)}\``;
  return new UserError(
    `the session on 127.0.0.1:${ended.port} ended ${whenText(Date.parse(ended.at))}${why}`,
    1,
    [
      `its agent log is kept until the next start: ${ended.agentLog}`,
      idle ? `${start} (--idle-timeout 0: never end)` : start,
    ],
  );
}

export const FOREIGN_HINTS = [
  "if it is a session started by another user or with another LK_SESSION_STATE_DIR, it cannot be driven from here",
  "use another port with --port N, or stop that program",
];
