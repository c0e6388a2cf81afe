// A client's view of a running session: send it a command, stream its events to a reporter.

import { ConnectError, type Done, sendCommand } from "../control/client.ts";
import { UserError } from "../errors.ts";
import type { ControlCommand, DoneFailed } from "../protocol/control.ts";
import { exitCodeFor } from "../protocol/exit-codes.ts";
import type { Reporter } from "../render/reporter.ts";
import type { SessionState } from "../state/session-file.ts";
import { noSession } from "./no-session.ts";
import { outputDetail, tailLines } from "./output-tail.ts";
import { cleanStaleRecord, isOurDaemon } from "./stale.ts";

/** Sends one command; events go to the reporter as they arrive. Connection trouble becomes a UserError. */
export async function command<C extends ControlCommand>(
  state: SessionState,
  cmd: C,
  reporter?: Reporter,
): Promise<Done<C["cmd"]>> {
  return sendCommand({
    port: state.port,
    token: state.token,
    command: cmd,
    onReply: (reply) => {
      if (reply.t === "event") reporter?.event(reply.event);
    },
  }).catch((error) => {
    throw explainLostDaemon(error, state);
  });
}

/** A failed `done` as the UserError to report: its sentence, its exit code, the agent's last lines. */
export function failureOf(done: DoneFailed, state: SessionState): UserError {
  const output = outputDetail("agent output (last lines):", done.detail);
  const detail = output.length ? [...output, `full agent log: ${state.agentLog}`] : [];
  return new UserError(done.error ?? "the command failed", exitCodeFor(done.code), detail);
}

/** The daemon went away during a command (crashed, or exited right after answering `end`). */
export class DaemonGoneError extends UserError {}

/** A dropped control connection: say whether the daemon died, with the logs it left. */
export function explainLostDaemon(error: unknown, state: SessionState): unknown {
  if (!(error instanceof ConnectError)) return error;
  if (!isOurDaemon(state)) {
    if (error.kind === "refused") {
      // It was gone before we came: not a failure of this command, just no session.
      const notes = cleanStaleRecord(state, `its daemon (pid ${state.daemonPid}) is gone`);
      return noSession(state.port, notes);
    }
    return new DaemonGoneError(`the session daemon (pid ${state.daemonPid}) died during the command`, 1, [
      ...outputDetail("agent output (last lines):", tailLines(state.agentLog)),
      ...outputDetail("daemon log (last lines):", tailLines(state.daemonLog)),
      "start a new session with `lk agent session start`",
    ]);
  }
  return new UserError(error.message, 1, [`daemon log: ${state.daemonLog}`]);
}
