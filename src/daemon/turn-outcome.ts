// What a finished turn's response means: a failure, or an ordinary (perhaps silent) turn.

import type { DeliveredEvent } from "../protocol/events.ts";

/** Node agents (@livekit/agents 1.x) answer a turn that produced nothing with this error. */
export const NO_RESPONSE_ITEMS = "agent produced no response items";

/**
 * The agent's error for this turn, or undefined when it succeeded. A turn with no reply is one
 * ordinary outcome for every agent (Python returns no items, Node this error), unless the agent
 * also reported a real error during the turn.
 */
export function turnError(responseError: string | undefined, events: DeliveredEvent[]): string | undefined {
  if (!responseError) return undefined;
  const reportedError = events.some((e) => e.type === "error" && !e.earlier);
  if (responseError === NO_RESPONSE_ITEMS && !reportedError) return undefined;
  return responseError;
}
