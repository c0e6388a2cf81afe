// The agent log of one run (one agent process): the earlier runs' logs move back one place
// (state/run-logs.ts), a marker begins it, another is written as each turn is sent to the agent (so
// the agent's lines that follow are that turn's), and a last one ends it once the agent has stopped.

import { AgentOutput } from "../agent/output.ts";
import { runMarker, turnMarker } from "../protocol/agent-log.ts";
import { rotateRunLogs, runLogPath } from "../state/run-logs.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import type { Session } from "./session.ts";

/** Opens the new run's log (the session's turns marked in it); throws when it cannot be opened. */
export function beginRunLog(port: number, run: number, entry: string, session: Session): AgentOutput {
  const dir = ensureStateDir();
  rotateRunLogs(port, dir);
  const output = new AgentOutput(runLogPath(port, 0, dir));
  output.mark(runMarker(run, run > 1 ? "restart" : "start", entry));
  session.onTurnSent = (turn, text) => output.mark(turnMarker(turn, text));
  return output;
}
