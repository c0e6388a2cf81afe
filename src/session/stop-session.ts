// Shared by `end` and `restart`: stop a session and return only once it is really gone.

import { portIsOpen } from "../control/client.ts";
import { UserError } from "../errors.ts";
import type { EndSummary } from "../protocol/control.ts";
import type { SessionState } from "../state/session-file.ts";
import { command, DaemonGoneError, failureOf } from "./client-session.ts";
import { waitForExit } from "./launcher.ts";

/** How long a daemon that answered `end` may take to exit. */
const DAEMON_EXIT_MS = 8000;

/**
 * Asks the daemon to end; resolves when its process has exited and the port is free, with how the
 * session went (undefined when the daemon exited before it could say).
 */
export async function stopSession(state: SessionState): Promise<EndSummary | undefined> {
  const done = await command(state, { cmd: "end" }).catch((error: unknown) => {
    // The daemon may exit the instant it has answered; only a daemon still alive is a failure.
    if (error instanceof DaemonGoneError) return undefined;
    throw error;
  });
  if (done && !done.ok) throw failureOf(done, state);
  // The daemon exits once its agent has (an audio session's takes up to 3.5 s, then a kill): a bound.
  if (!(await waitForExit(state.daemonPid, DAEMON_EXIT_MS))) {
    throw new UserError(`the session daemon (pid ${state.daemonPid}) did not exit`, 1, [
      `daemon log: ${state.daemonLog}`,
    ]);
  }
  if (await portIsOpen(state.port)) {
    throw new UserError(`the session ended, but 127.0.0.1:${state.port} is still taken by another program`);
  }
  return done?.data;
}
