// The sessions this server started: which port a tool defaults to, and what to end when the client
// goes. A session is known by its port and its daemon's pid, so one that someone else started on
// the same port later is never ours.

import type { SessionClient } from "../session/session-client.ts";

export interface OwnedSession {
  port: number;
  daemonPid: number;
  /** Left running when the client disconnects (session_start's `keep`). */
  keep: boolean;
}

export class OwnedSessions {
  /** Oldest first: the last one is the default port. */
  private list: OwnedSession[] = [];
  /** What endAll ended: a restart still under way then brings its session back, to be ended too. */
  private readonly retired = new Map<number, OwnedSession>();

  started(session: OwnedSession): void {
    this.ended(session.port);
    this.list.push(session);
  }

  /** A restart: the same session, a new daemon (only for a port this server owns, or owned until endAll). */
  restarted(port: number, daemonPid: number): void {
    const owned = this.list.find((s) => s.port === port);
    if (owned) owned.daemonPid = daemonPid;
    const retired = this.retired.get(port);
    if (!owned && retired) this.list.push({ ...retired, daemonPid });
  }

  ended(port: number): void {
    this.list = this.list.filter((s) => s.port !== port);
  }

  /** The port tools use when none is given: the session started last, if any. */
  get lastPort(): number | undefined {
    return this.list.at(-1)?.port;
  }

  get all(): readonly OwnedSession[] {
    return this.list;
  }

  /**
   * Ends every session started here without `keep` whose daemon is still the one started; returns
   * a line per session for the log. Sessions end side by side: a client waits only so long.
   */
  async endAll(session: SessionClient): Promise<string[]> {
    const ending = this.list.filter((s) => !s.keep);
    this.list = this.list.filter((s) => s.keep);
    for (const s of ending) this.retired.set(s.port, s);
    return Promise.all(
      ending.map(async ({ port, daemonPid }) => {
        try {
          const found = await session.find(port);
          if (found.kind !== "running" || found.state.daemonPid !== daemonPid)
            return `the session on 127.0.0.1:${port} had already ended`;
          await session.stop(found.state);
          return `ended the session on 127.0.0.1:${port}`;
        } catch (error) {
          return `could not end the session on 127.0.0.1:${port}: ${(error as Error).message}`;
        }
      }),
    );
  }
}
