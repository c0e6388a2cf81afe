// The facts of one turn that expectations look at, read from its events: the reply, the tools
// called (each with its output), handoffs, the agent's error and latency.

import type { DeliveredEvent } from "../protocol/events.ts";
import { replyText } from "../render/reporter.ts";

export interface ObservedTurn {
  /** Everything the turn delivered, earlier output included (the checks leave it out). */
  events: DeliveredEvent[];
  reply: string;
  /** Wall time of the turn, as the client saw it: from sending it to its last reply. */
  wallMs: number;
  /** The agent's error, when the turn failed with one (SessionResponse.error) or reported one. */
  agentError?: string;
}

export interface ToolCallSeen {
  name: string;
  /** As the agent sent it (JSON text). */
  arguments: string;
  output?: string;
  isError?: boolean;
  /** What a failing tool raised, when the agent reports it. */
  error?: string;
}

export function observe(events: DeliveredEvent[], wallMs: number, agentError?: string): ObservedTurn {
  const own = events.filter((e) => !e.earlier);
  const reported = own.find((e) => e.type === "error");
  const error = agentError ?? (reported?.type === "error" ? reported.message : undefined);
  return { events, reply: replyText(events), wallMs, ...(error !== undefined ? { agentError: error } : {}) };
}

/** The turn's tool calls, in order, each with the output of the same call id. */
export function toolCalls(turn: ObservedTurn): ToolCallSeen[] {
  const calls: ToolCallSeen[] = [];
  const byId = new Map<string, ToolCallSeen>();
  for (const e of turn.events) {
    if (e.earlier) continue;
    if (e.type === "tool_call") {
      const call: ToolCallSeen = { name: e.name, arguments: e.arguments };
      calls.push(call);
      if (e.callId) byId.set(e.callId, call);
    } else if (e.type === "tool_output") {
      const call = byId.get(e.callId);
      const output = { output: e.output, isError: e.isError, ...(e.error ? { error: e.error } : {}) };
      if (call) Object.assign(call, output);
      else calls.push({ name: e.name, arguments: "", ...output });
    }
  }
  return calls;
}

export function handoffs(turn: ObservedTurn): { from?: string; to: string }[] {
  return turn.events.flatMap((e) =>
    e.type === "handoff" && !e.earlier ? [{ to: e.to, ...(e.from ? { from: e.from } : {}) }] : [],
  );
}

/**
 * The turn's end-to-end latency from the agent's own metrics (the slowest of its replies), or
 * undefined when the agent reported none. The one place that knows where the metrics live.
 */
export function e2eLatencyMs(turn: ObservedTurn): number | undefined {
  let slowest: number | undefined;
  for (const e of turn.events) {
    if (e.earlier || e.type !== "message" || e.role !== "assistant") continue;
    const metrics = (e as { metrics?: Record<string, unknown> }).metrics;
    const value = metrics?.e2eLatencyMs;
    if (typeof value === "number" && Number.isFinite(value)) slowest = Math.max(slowest ?? 0, value);
  }
  return slowest;
}

/** What the agent heard of a spoken turn (its user message's transcript); undefined for a typed turn. */
export function heardText(turn: ObservedTurn): string | undefined {
  for (const e of turn.events) {
    if (!e.earlier && e.type === "message" && e.role === "user" && e.heard !== undefined) return e.heard;
  }
  return undefined;
}
