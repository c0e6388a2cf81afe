// What a model wants first from a turn's events: the tools called with their arguments and outputs,
// the handoff, the agent's words. The events themselves stay in the result as the CLI reports them.

import type { DeliveredEvent } from "../protocol/events.ts";

export interface ToolCalled {
  name: string;
  /** The JSON arguments, parsed (the raw text when they are not JSON). */
  arguments: unknown;
  /** The tool's output (a JSON string unquoted); null when no output came in the turn. */
  output: string | null;
  is_error: boolean;
  /** What a failing tool really raised, when the agent reports it. */
  error?: string;
}

/** This turn's tool calls (earlier output left out), each joined with its output by call id. */
export function toolsCalled(events: DeliveredEvent[]): ToolCalled[] {
  const calls: ToolCalled[] = [];
  const byId = new Map<string, ToolCalled>();
  for (const e of events) {
    if (e.earlier) continue;
    if (e.type === "tool_call") {
      const call: ToolCalled = {
        name: e.name,
        arguments: parsed(e.arguments),
        output: null,
        is_error: false,
      };
      calls.push(call);
      if (e.callId) byId.set(e.callId, call);
    } else if (e.type === "tool_output") {
      const call = byId.get(e.callId) ?? calls.findLast((c) => c.name === e.name && c.output === null);
      if (!call) continue;
      call.output = unquoted(e.output);
      call.is_error = e.isError;
      if (e.error !== undefined) call.error = e.error;
    }
  }
  return calls;
}

/** The turn's last handoff: who holds the conversation now. */
export function lastHandoff(events: DeliveredEvent[]): { from?: string; to: string } | undefined {
  const handoff = events.findLast((e) => e.type === "handoff" && !e.earlier);
  return handoff?.type === "handoff"
    ? { ...(handoff.from ? { from: handoff.from } : {}), to: handoff.to }
    : undefined;
}

/** The agent's words in these events, earlier output included (a greeting is all earlier output). */
export function agentText(events: DeliveredEvent[]): string {
  return events
    .filter((e) => e.type === "message" && e.role === "assistant")
    .map((e) => (e.type === "message" ? e.text : ""))
    .join("\n");
}

function parsed(json: string): unknown {
  if (json.trim() === "") return {};
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** Tools often return a JSON string: give the text inside it. */
function unquoted(output: string): string {
  try {
    const value: unknown = JSON.parse(output);
    if (typeof value === "string") return value;
  } catch {}
  return output;
}
