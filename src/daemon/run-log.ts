// The agent log of one run (one agent process): the earlier runs' logs move back one place
// (state/run-logs.ts), a marker begins it, another is written as each turn is sent to the agent (so
// the agent's lines that follow are that turn's), and a last one ends it once the agent has stopped.

import { AgentOutput } from "../agent/output.ts";
import { runMarker, turnMarker } from "../protocol/agent-log.ts";
import { rotateRunLogs, runLogPath } from "../state/run-logs.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import type { Session } from "./session.ts";

/** A run's log, open; `markStart()` writes its first line (the run's marker). */
export interface RunLog {
  output: AgentOutput;
  markStart(): void;
}

/**
 * Opens the new run's log (the session's turns marked in it); throws when it cannot be opened. Its
 * first line is the caller's to write, as the agent is spawned: a process's first local time loads
 * the time zone (~4 ms), which then runs beside the agent's own start, not before it.
 */
export function beginRunLog(port: number, run: number, entry: string, session: Session): RunLog {
  const dir = ensureStateDir();
  rotateRunLogs(port, dir);
  const output = new AgentOutput(runLogPath(port, 0, dir));
  session.onTurnSent = (turn, text) => output.mark(turnMarker(turn, text));
  return { output, markStart: () => output.mark(runMarker(run, run > 1 ? "restart" : "start", entry)) };
}
