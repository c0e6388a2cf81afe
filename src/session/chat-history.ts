// The whole conversation, as the agent keeps it, for a command that needs it before going on
// (`end --chat-history`, `--transcript`, `--save-test`, `restart --replay`): collected, not streamed;
// with the conversations of the runs before the agent's restarts (the daemon keeps them) for the transcript.

import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { failureOf } from "./client-session.ts";
import type { SessionClient } from "./session-client.ts";

/**
 * The conversation's events, or the agent's failure to give them (the caller says what it means).
 * With `earlierRuns`, those of the agents before its restarts first, each closed by a `restart` marker.
 */
export async function chatHistory(
  session: SessionClient,
  state: SessionState,
  { earlierRuns = false } = {},
): Promise<{ events: DeliveredEvent[] } | { failure: UserError }> {
  const events: DeliveredEvent[] = [];
  const request = earlierRuns ? { cmd: "history" as const, earlierRuns } : { cmd: "history" as const };
  const done = await session.send(state, request, (e) => events.push(e));
  return done.ok ? { events } : { failure: failureOf(done, state) };
}

/** The conversation, or a UserError saying the session still runs (`flags`: what to drop to end it anyway). */
export async function fetchHistory(
  session: SessionClient,
  state: SessionState,
  why: { purpose: string; flags: string },
  options: { earlierRuns?: boolean } = {},
): Promise<DeliveredEvent[]> {
  const got = await chatHistory(session, state, options);
  if ("events" in got) return got.events;
  throw new UserError(`could not get the conversation for ${why.purpose}: ${got.failure.message}`, 1, [
    `the session is still running; end it without ${why.flags} to stop it anyway`,
  ]);
}

/** The conversation of the agent running now: what follows the last restart marker. */
export function currentRun(events: DeliveredEvent[]): DeliveredEvent[] {
  return events.slice(events.findLastIndex((e) => e.type === "restart") + 1);
}
