// The greeting check of replay files (`?` lines before the first turn) and scenarios (`greeting:`):
// what the agent said on its own at start, before any turn, against reply expectations.

import type { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { chatHistory } from "./chat-history.ts";
import { checkGreeting, type Expectation, type ExpectationResult } from "./expect.ts";
import type { SessionClient } from "./session-client.ts";

export type ReplyExpectation = Extract<Expectation, { kind: "reply" }>;

/** A greeting check as a file writes it: its line, and what the greeting must (not) match. */
export interface GreetingCheck {
  line: number;
  expectations: ReplyExpectation[];
}

/**
 * Where the greeting came from: the start of a fresh agent (`replay --fresh`, every `test` run), or the
 * running agent's chat history (what it said before its first turn).
 */
export type GreetingSource = "start" | "history";

/** The check as results report it (`--json`). */
export interface GreetingRecord {
  line: number;
  source: GreetingSource;
  /** What the agent said (its messages, one per line); null when it said nothing. */
  text: string | null;
  ok: boolean;
  expectations: ExpectationResult[];
}

/** The agent's messages among these events, one per line; undefined when there are none. */
export function greetingText(events: DeliveredEvent[]): string | undefined {
  const said = events.flatMap((e) => (e.type === "message" && e.role === "assistant" ? [e.text] : []));
  return said.length ? said.join("\n") : undefined;
}

/** In a chat history: what came before the first user message (turn 0). */
export function greetingInHistory(history: DeliveredEvent[]): DeliveredEvent[] {
  const first = history.findIndex((e) => e.type === "message" && e.role === "user");
  return first === -1 ? history : history.slice(0, first);
}

/** Judges the greeting: the record, and an expectation failure (exit 2) when it did not hold. */
export function judgeGreeting(
  check: GreetingCheck,
  events: DeliveredEvent[],
  source: GreetingSource,
): { record: GreetingRecord; error?: UserError } {
  const text = greetingText(events);
  const judged = checkGreeting(check.expectations, text);
  const record: GreetingRecord = {
    line: check.line,
    source,
    text: text ?? null,
    ok: !judged.error,
    expectations: judged.results,
  };
  return judged.error ? { record, error: judged.error } : { record };
}

/**
 * A fresh agent's greeting: what its start (or restart) showed; when it said nothing by then (the
 * agent began to greet just after it said it was ready), what its chat history holds before the first
 * turn, the daemon letting a greeting under way end first. Nothing more to go on: what start showed.
 */
export async function freshGreeting(
  session: SessionClient,
  state: SessionState,
  shown: DeliveredEvent[],
): Promise<DeliveredEvent[]> {
  if (greetingText(shown) !== undefined) return shown;
  const got = await chatHistory(session, state);
  return "events" in got ? greetingInHistory(got.events) : shown;
}
