// What a command needs from a session, as one interface: the real one talks to the daemon; unit
// tests pass a fake.

import type { Done } from "../control/client.ts";
import type { ControlCommand, EndSummary } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { Reporter } from "../render/reporter.ts";
import type { SessionState } from "../state/session-file.ts";
import { command } from "./client-session.ts";
import { findSession, type SessionLookup } from "./find-session.ts";
import type { RestartedSession, RestartRequest } from "./restart-session.ts";
import type { StartedSession, StartRequest } from "./start-session.ts";

export interface SessionClient {
  /** What holds the port: our session, nothing (perhaps after cleaning up a dead one), or another program. */
  find(port: number, how?: { thorough?: boolean }): Promise<SessionLookup>;
  /** One control command; events stream to `onEvent`. A lost connection is a UserError. */
  send<C extends ControlCommand>(
    state: SessionState,
    cmd: C,
    onEvent?: (event: DeliveredEvent) => void,
  ): Promise<Done<C["cmd"]>>;
  /** Launches the daemon and waits until the agent is ready (progress and greeting go to the reporter). */
  start(reporter: Reporter, request: StartRequest): Promise<StartedSession>;
  /**
   * Has the daemon replace its agent (same daemon, port and launch, plus `request.env`); resolves once
   * the new one is ready. A failure (a UserError) leaves the daemon waiting, without an agent.
   */
  restart(reporter: Reporter, state: SessionState, request: RestartRequest): Promise<RestartedSession>;
  /** Ends the session; resolves once the daemon is gone and the port is free, with how it went. */
  stop(state: SessionState): Promise<EndSummary | undefined>;
}

// start, restart and stop load on first use: a `say` does not parse the launcher.
export const sessionClient: SessionClient = {
  find: findSession,
  send: command,
  start: async (reporter, request) => (await import("./start-session.ts")).startSession(reporter, request),
  restart: async (reporter, state, request) =>
    (await import("./restart-session.ts")).restartSession(reporter, state, request),
  stop: async (state) => (await import("./stop-session.ts")).stopSession(state),
};
