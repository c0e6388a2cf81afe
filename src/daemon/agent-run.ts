// One run of the agent, from its spawn to its end: the session's first, then one per restart. Each
// has its own session (turns, kept output; the feed of events goes on across runs), its own start-up
// to cancel, and its own listener for how its start went (start's ready file, or the restart's client).

import type { AgentInfo } from "../protocol/control.ts";
import type { ReadyReport } from "../protocol/daemon-spec.ts";
import type { LaunchPlan } from "../protocol/launch-plan.ts";
import type { AgentLink } from "./agent-link.ts";
import type { Feed } from "./feed.ts";
import { Session } from "./session.ts";

export class AgentRun {
  readonly session: Session;
  /** Aborted when this run's start-up must give up (the daemon stops, or the run failed). */
  readonly cancel = new AbortController();
  /** The agent and tools when it became ready, for the report. */
  info: AgentInfo | undefined;
  /** A restart's: why the run before it is missing from the transcript (its agent did not give its history). */
  unreadBefore: string | undefined;
  readonly connection: Promise<AgentLink>;
  private resolveConnection: (link: AgentLink) => void = () => {};

  constructor(
    /** Which run of the session: 1 is start's, each restart (one that fails too) one more; its log's markers say it. */
    readonly number: number,
    readonly plan: LaunchPlan,
    /** Told once how the start-up went. */
    readonly report: (report: ReadyReport) => void,
    /** The feed `events` clients watch: the same one across restarts. */
    feed?: Feed,
  ) {
    this.session = new Session(undefined, feed);
    this.connection = new Promise<AgentLink>((resolve) => {
      this.resolveConnection = resolve;
    });
  }

  connected(link: AgentLink): void {
    this.resolveConnection(link);
  }
}
