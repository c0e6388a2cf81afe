// restart --replay's two halves: the previous conversation's turns, read from the old agent before
// it stops, and each of them sent again to the new one, compared as it ends.

import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { Reporter } from "../render/reporter.ts";
import type { SessionState } from "../state/session-file.ts";
import { chatHistory } from "./chat-history.ts";
import { failureOf } from "./client-session.ts";
import type { SessionClient } from "./session-client.ts";
import { compareTurn, type PastTurn, pastTurns, runOf, type TurnDiff } from "./turn-diff.ts";
import { replaySummary, turnDiffLines } from "./turn-diff-text.ts";

/** Each replayed turn may take as long as a `say` by default. */
const TURN_TIMEOUT_MS = 120_000;

/** The user turns so far and what each made; a failure leaves the session running, untouched. */
export async function previousTurns(session: SessionClient, state: SessionState): Promise<PastTurn[]> {
  const got = await chatHistory(session, state);
  if ("failure" in got) {
    throw new UserError(
      `could not get the conversation to replay: ${got.failure.message}`,
      got.failure.exitCode,
      [...got.failure.detail, "the session is still running; restart without --replay to restart it anyway"],
    );
  }
  return pastTurns(got.events);
}

/**
 * Each turn again, in order, a line (and a diff) as each ends. A report: exit 0 whatever changed;
 * a failed turn ends it, since the turns after it would follow another conversation.
 */
export async function rerunTurns(
  past: PastTurn[],
  session: SessionClient,
  state: SessionState,
  reporter: Reporter,
): Promise<{ turns: TurnDiff[]; error?: UserError }> {
  const turns: TurnDiff[] = [];
  // Whatever ends the command now (Ctrl-C, the daemon dying) reports the turns replayed so far.
  reporter.resultDefaults = () => ({ turns });
  if (!past.length) {
    reporter.info("\nNothing to replay: the previous conversation had no user turns.");
    return { turns };
  }
  reporter.info(
    `\nReplaying ${past.length} turn${past.length === 1 ? "" : "s"} of the previous conversation:`,
  );
  for (const [index, turn] of past.entries()) {
    const events: DeliveredEvent[] = [];
    const done = await session.send(state, { cmd: "say", text: turn.text, timeoutMs: TURN_TIMEOUT_MS }, (e) =>
      events.push(e),
    );
    const diff = compareTurn(index + 1, turn, runOf(events));
    const failure = done.ok ? undefined : failureOf(done, state);
    if (failure) diff.error = failure.message;
    turns.push(diff);
    for (const line of turnDiffLines(diff, reporter.colors)) reporter.info(line);
    if (failure) {
      const left = past.length - index - 1;
      return {
        turns,
        error: new UserError(`turn ${index + 1} of the replay failed: ${failure.message}`, failure.exitCode, [
          ...failure.detail,
          ...(left ? [`${left} later turn${left === 1 ? " was" : "s were"} not replayed`] : []),
        ]),
      };
    }
  }
  reporter.info(`\n${replaySummary(turns)}`);
  return { turns };
}
