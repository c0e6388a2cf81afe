// The greeting check of replay files (`?` lines before the first turn) and scenarios (`greeting:`):
// what the agent said on its own at start, before any turn, against reply expectations.

import type { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { checkGreeting, type Expectation, type ExpectationResult } from "./expect.ts";

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
