// The conversation so far, as the agent keeps it (user messages included): for `end --transcript`
// and `--save-test`.

import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { failureOf } from "./client-session.ts";
import type { SessionClient } from "./session-client.ts";

/** A failure is a UserError saying the session still runs (`flags`: what to drop to end it anyway). */
export async function fetchHistory(
  session: SessionClient,
  state: SessionState,
  why: { purpose: string; flags: string },
): Promise<DeliveredEvent[]> {
  const events: DeliveredEvent[] = [];
  const done = await session.send(state, { cmd: "history" }, (e) => events.push(e));
  if (!done.ok) {
    const failure = failureOf(done, state);
    throw new UserError(`could not get the conversation for ${why.purpose}: ${failure.message}`, 1, [
      `the session is still running; end it without ${why.flags} to stop it anyway`,
    ]);
  }
  return events;
}
