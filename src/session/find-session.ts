// The one answer to "is there a session on this port?", for every command and for the error path.

import { portIsOpen } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { mark } from "../profile.ts";
import type { EndedRecord } from "../state/ended-record.ts";
import { readState, relaunchOf, type SessionState } from "../state/session-file.ts";
import { outputDetail } from "./output-detail.ts";
import { portHint } from "./port-hint.ts";
import { cleanStaleRecord, isOurDaemon } from "./stale.ts";
import { secretsToGive, startCommand } from "./start-command.ts";

export type SessionLookup =
  | { kind: "running"; port: number; state: SessionState }
  /** Nothing listens and there was no record. */
  | { kind: "none"; port: number }
  /** The last session there ended on its own (its agent exited): when and why, until the next start. */
  | { kind: "ended"; port: number; ended: EndedRecord }
  /** A dead session's record (and its orphaned agent) was cleaned up; the notes say what was done. */
  | { kind: "stale"; port: number; notes: string[]; ended?: EndedRecord }
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
  mark("state");
  if (state && isOurDaemon(state, !thorough)) {
    mark("daemon checked");
    return { kind: "running", port, state };
  }
  const notes = state ? await cleanStaleRecord(state, `its daemon (pid ${state.daemonPid}) is gone`) : [];
  // Loaded only when there is no session: a running one's commands never read it.
  const endedRecords = await import("../state/ended-record.ts");
  // From now on, as for a session that ended: the next commands say so, and how to start it again.
  const dead = state && leaveDeadRecord(state, endedRecords.writeEnded);
  if (await portIsOpen(port)) return { kind: "foreign", port, notes };
  if (notes.length) return { kind: "stale", port, notes, ...(dead ? { ended: dead } : {}) };
  const ended = endedRecords.readEnded(port);
  return ended ? { kind: "ended", port, ended } : { kind: "none", port };
}

/** The running session, or the error every command gives when there is none. */
export function runningSession(lookup: SessionLookup): SessionState {
  if (lookup.kind === "running") return lookup.state;
  throw notRunning(lookup);
}

/** Why there is no session to drive: nothing there (notes: what cleaning a dead one did), or another program. */
export function notRunning(lookup: NoSession): UserError {
  if (lookup.kind === "ended") return endedError(lookup.ended);
  if (lookup.kind === "stale" && lookup.ended) return endedError(lookup.ended, lookup.notes);
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

export const FOREIGN_HINTS = [
  "if it is a session started by another user or with another LK_SESSION_STATE_DIR, it cannot be driven from here",
  "use another port with --port N, or stop that program",
];

/**
 * "the session on 127.0.0.1:PORT ended at 14:03:22: the agent exited with code 6", its last lines,
 * and the `start` that starts it again as it was started.
 */
export function endedError(ended: EndedRecord, notes: string[] = []): UserError {
  return new UserError(`the session on 127.0.0.1:${ended.port} ${endedSentence(ended)}`, 1, [
    ...notes,
    ...outputDetail("agent output (last lines):", ended.lastLines),
    `full agent log: ${ended.agentLog} (\`lk agent session logs${portHint(ended.port)}\` shows it)`,
    ...startAgainHint(ended),
  ]);
}

/** The exact command when the record says how the session was started; else the plain one. */
export function startAgainHint(ended: EndedRecord): string[] {
  if (!ended.relaunch) return [`start a new session with \`lk agent session start${portHint(ended.port)}\``];
  const hint = `to start it again, run: ${startCommand(ended.relaunch, ended.port)}`;
  const secrets = secretsToGive(ended.relaunch);
  if (!secrets.length) return [hint];
  const many = secrets.length > 1;
  return [
    hint,
    `(${many ? "the values of" : "the value of"} ${secrets.join(", ")} ${many ? "are" : "is"} not kept: export ${many ? "them" : "it"} in that shell first)`,
  ];
}

/** A daemon found dead leaves no record of its own: this one says so, until the next start. */
function leaveDeadRecord(
  state: SessionState,
  writeEnded: (ended: EndedRecord) => void,
): EndedRecord | undefined {
  const ended: EndedRecord = {
    version: 1,
    port: state.port,
    endedAt: new Date().toISOString(),
    why: `its daemon (pid ${state.daemonPid}) was found gone (killed, or it crashed)`,
    agentLog: state.agentLog,
    lastLines: [],
    relaunch: relaunchOf(state),
  };
  try {
    writeEnded(ended);
    return ended;
  } catch {
    return undefined;
  }
}

/** "ended at 14:03:22: why" (the date too when it was not today). */
export function endedSentence(ended: EndedRecord, now = new Date()): string {
  const at = new Date(ended.endedAt);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const today = at.toDateString() === now.toDateString();
  return `ended at ${Number.isNaN(at.getTime()) ? "an unknown time" : today ? time : `${day} ${time}`}: ${ended.why}`;
}
