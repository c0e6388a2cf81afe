// A client's view of a running session: send it a command, stream its events as they arrive.

import { ACK_TIMEOUT_MS, ConnectError, type Done, sendCommand } from "../control/client.ts";
import { UserError } from "../errors.ts";
import type { ControlCommand, DoneFailed } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { exitCodeFor } from "../protocol/exit-codes.ts";
import type { SessionState } from "../state/session-file.ts";
import { findSession, notRunning } from "./find-session.ts";
import { outputDetail } from "./output-detail.ts";
import { portHint } from "./port-hint.ts";
import { isOurDaemon } from "./stale.ts";

/** Sends one command; events go to `onEvent` as they arrive. Connection trouble becomes a UserError. */
export async function command<C extends ControlCommand>(
  state: SessionState,
  cmd: C,
  onEvent?: (event: DeliveredEvent) => void,
): Promise<Done<C["cmd"]>> {
  try {
    return await sendCommand({
      port: state.port,
      token: state.token,
      command: cmd,
      onReply: (reply) => {
        if (reply.t === "event") onEvent?.(reply.event);
      },
    });
  } catch (error) {
    throw await explainLostDaemon(error, state);
  }
}

/** A failed `done` as the UserError to report: its sentence, its exit code, the agent's last lines. */
export function failureOf(done: DoneFailed, state: SessionState): UserError {
  const output = outputDetail("agent output (last lines):", done.detail);
  const detail = output.length ? [...output, `full agent log: ${state.agentLog}`] : [];
  return new UserError(done.error, exitCodeFor(done.code), detail);
}

/** The daemon went away during a command (crashed, or exited right after answering `end`). */
export class DaemonGoneError extends UserError {}

/** A dropped control connection: say whether the daemon died, with the logs it left. */
async function explainLostDaemon(error: unknown, state: SessionState): Promise<unknown> {
  if (!(error instanceof ConnectError)) return error;
  if (!isOurDaemon(state)) {
    if (error.kind === "refused") {
      // It was gone before we came: not a failure of this command, just no session.
      const found = await findSession(state.port, { thorough: true });
      if (found.kind !== "running") return notRunning(found);
      return new UserError(`the session on 127.0.0.1:${state.port} was replaced during the command`, 1, [
        "run the command again",
      ]);
    }
    // Only a failure needs the logs' code.
    const [{ tailLines }, { agentTail }] = await Promise.all([
      import("./log-tail.ts"),
      import("./agent-logs.ts"),
    ]);
    return new DaemonGoneError(`the session daemon (pid ${state.daemonPid}) died during the command`, 1, [
      ...outputDetail("agent output (last lines):", agentTail(state.agentLog)),
      ...outputDetail("daemon log (last lines):", tailLines(state.daemonLog)),
      `start a new session with \`lk agent session start${portHint(state.port)}\``,
    ]);
  }
  if (error.kind === "unanswered") {
    return new UserError(
      `the session daemon (pid ${state.daemonPid}) did not answer within ${ACK_TIMEOUT_MS / 1000} s (stopped, or overloaded?); the command was not run`,
      1,
      [`daemon log: ${state.daemonLog}`],
    );
  }
  return new UserError(error.message, 1, [`daemon log: ${state.daemonLog}`]);
}
