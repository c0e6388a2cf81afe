// The whole conversation, as the agent keeps it, for a command that needs it before going on
// (`end --chat-history`, `--transcript`, `--save-test`, `restart --replay`): collected, not streamed.

import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { failureOf } from "./client-session.ts";
import type { SessionClient } from "./session-client.ts";

/** The conversation's events, or the agent's failure to give them (the caller says what it means). */
export async function chatHistory(
  session: SessionClient,
  state: SessionState,
): Promise<{ events: DeliveredEvent[] } | { failure: UserError }> {
  const events: DeliveredEvent[] = [];
  const done = await session.send(state, { cmd: "history" }, (e) => events.push(e));
  return done.ok ? { events } : { failure: failureOf(done, state) };
}

/** The conversation, or a UserError saying the session still runs (`flags`: what to drop to end it anyway). */
export async function fetchHistory(
  session: SessionClient,
  state: SessionState,
  why: { purpose: string; flags: string },
): Promise<DeliveredEvent[]> {
  const got = await chatHistory(session, state);
  if ("events" in got) return got.events;
  throw new UserError(`could not get the conversation for ${why.purpose}: ${got.failure.message}`, 1, [
    `the session is still running; end it without ${why.flags} to stop it anyway`,
  ]);
}
