// restart --replay: the previous conversation's user turns, read from its chat history, each with
// what it made then, and how a new run of the turn compares with it.

import type { DeliveredEvent } from "../protocol/events.ts";
import { replyText } from "../render/reporter.ts";

export interface ToolCall {
  name: string;
  /** As the agent gave them (JSON text). */
  arguments: string;
}

/** What one run of a turn made: the agent's text and the tools it called, in order. */
export interface TurnRun {
  reply: string;
  tools: ToolCall[];
}

export interface PastTurn {
  text: string;
  before: TurnRun;
}

export type Change = "reply" | "tools";

export interface TurnDiff {
  /** 1-based, in the order of the conversation. */
  turn: number;
  text: string;
  before: TurnRun;
  after: TurnRun;
  changed: boolean;
  /** What changed: the reply, the tools, both, or nothing. */
  changes: Change[];
  /** Why the new run failed (then `after` is what came before it did). */
  error?: string;
}

/** What a turn made, from its events; output from before the turn is not the turn's. */
export function runOf(events: DeliveredEvent[]): TurnRun {
  const tools = events.flatMap((e) =>
    e.type === "tool_call" && !e.earlier ? [{ name: e.name, arguments: e.arguments }] : [],
  );
  return { reply: replyText(events), tools };
}

/**
 * The user turns of a chat history in order, each with what followed it up to the next one
 * (assistant messages and function calls). What came before the first (a greeting) is no turn.
 */
export function pastTurns(history: DeliveredEvent[]): PastTurn[] {
  const turns: { text: string; events: DeliveredEvent[] }[] = [];
  for (const event of history) {
    if (event.type === "message" && event.role === "user") turns.push({ text: event.text, events: [] });
    else turns.at(-1)?.events.push(event);
  }
  return turns.map((t) => ({ text: t.text, before: runOf(t.events) }));
}

export function compareTurn(turn: number, past: PastTurn, after: TurnRun): TurnDiff {
  const changes: Change[] = [];
  if (past.before.reply !== after.reply) changes.push("reply");
  if (!sameTools(past.before.tools, after.tools)) changes.push("tools");
  return { turn, text: past.text, before: past.before, after, changed: changes.length > 0, changes };
}

function sameTools(a: ToolCall[], b: ToolCall[]): boolean {
  return (
    a.length === b.length &&
    a.every((t, i) => t.name === b[i]?.name && sameArguments(t.arguments, b[i]?.arguments ?? ""))
  );
}

/** Compared as JSON values where they are JSON: the history and a live event may space them differently. */
function sameArguments(a: string, b: string): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
