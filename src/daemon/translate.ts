// Protobuf from the agent → the typed events clients render.

import type { AgentStateName, SessionEvent, UserStateName } from "../protocol/events.ts";
import type { Timestamp } from "../wire/gen/google/protobuf/timestamp.ts";
import {
  type AgentSessionEvent,
  AgentState,
  type ChatContext_ChatItem,
  ChatRole,
  type FunctionCall,
  type FunctionCallOutput,
  ToolCallStatus,
  UserState,
} from "../wire/gen/livekit_agent_session.ts";

/** An event plus the identity that lets a turn notice it twice (event and response item). */
export interface KeyedEvent {
  event: SessionEvent;
  /** Any of these seen before means the same item: ids, or text for messages whose id differs. */
  keys: string[];
  /**
   * When the agent made the item (ms since epoch), if it says: an item it began before the turn's
   * user message (a greeting the turn interrupted) can be reported after that message.
   */
  madeAt?: number;
}

/** A protobuf timestamp in ms (fractions kept, for comparing); undefined when absent or zero. */
function madeAt(ts: Timestamp | undefined): number | undefined {
  const ms = ts ? ts.seconds * 1000 + ts.nanos / 1e6 : 0;
  return ms > 0 ? ms : undefined;
}

function withMadeAt(keyed: KeyedEvent, ts: Timestamp | undefined): KeyedEvent {
  const at = madeAt(ts);
  return at === undefined ? keyed : { ...keyed, madeAt: at };
}

const STATE_NAMES: Record<AgentState, AgentStateName> = {
  [AgentState.AS_INITIALIZING]: "initializing",
  [AgentState.AS_IDLE]: "idle",
  [AgentState.AS_LISTENING]: "listening",
  [AgentState.AS_THINKING]: "thinking",
  [AgentState.AS_SPEAKING]: "speaking",
};

const USER_STATE_NAMES: Record<UserState, UserStateName> = {
  [UserState.US_SPEAKING]: "speaking",
  [UserState.US_LISTENING]: "listening",
  [UserState.US_AWAY]: "away",
};

const ROLE_NAMES: Record<ChatRole, "user" | "assistant" | "system" | "developer"> = {
  [ChatRole.DEVELOPER]: "developer",
  [ChatRole.SYSTEM]: "system",
  [ChatRole.USER]: "user",
  [ChatRole.ASSISTANT]: "assistant",
};

/**
 * What a failing tool really raised, by call id: Python agents report it in tool_execution_updated
 * ("ended", TC_ERROR) just before function_tools_executed, whose output only says "An internal error
 * occurred". Bounded: entries are taken when their output arrives, and the oldest go first.
 */
export class ToolErrors {
  private readonly byCallId = new Map<string, string>();

  remember(callId: string, message: string): void {
    this.byCallId.set(callId, message);
    if (this.byCallId.size > 100) this.byCallId.delete(this.byCallId.keys().next().value as string);
  }

  take(callId: string): string | undefined {
    const message = this.byCallId.get(callId);
    this.byCallId.delete(callId);
    return message;
  }
}

export function translateEvent(ev: AgentSessionEvent, toolErrors = new ToolErrors()): KeyedEvent[] {
  switch (ev.event.oneofKind) {
    case "agentStateChanged":
      return [
        {
          event: { type: "state", agent: STATE_NAMES[ev.event.agentStateChanged.newState] ?? "idle" },
          keys: [],
        },
      ];
    case "userStateChanged":
      return [
        {
          event: {
            type: "user_state",
            user: USER_STATE_NAMES[ev.event.userStateChanged.newState] ?? "listening",
          },
          keys: [],
        },
      ];
    case "conversationItemAdded": {
      // The user's message too: a turn waits for it to tell what the agent said before it.
      const item = ev.event.conversationItemAdded.item;
      return item ? translateItem(item, { includeUser: true }) : [];
    }
    case "functionToolsExecuted": {
      const { functionCalls, functionCallOutputs } = ev.event.functionToolsExecuted;
      return pairToolCalls(functionCalls, functionCallOutputs, toolErrors);
    }
    case "toolExecutionUpdated": {
      const update = ev.event.toolExecutionUpdated.update;
      if (
        update.oneofKind === "ended" &&
        update.ended.status === ToolCallStatus.TC_ERROR &&
        update.ended.message
      ) {
        toolErrors.remember(update.ended.callId, update.ended.message);
      }
      return [];
    }
    case "error":
      return [{ event: { type: "error", message: ev.event.error.message }, keys: [] }];
    default:
      return [];
  }
}

/** Calls each followed by its own output (matched by call_id), then any output without a call. */
export function pairToolCalls(
  calls: FunctionCall[],
  outputs: FunctionCallOutput[],
  toolErrors = new ToolErrors(),
): KeyedEvent[] {
  const out: KeyedEvent[] = [];
  const used = new Set<FunctionCallOutput>();
  for (const call of calls) {
    out.push(toolCall(call));
    const output = outputs.find((o) => o.callId === call.callId && !used.has(o));
    if (output) {
      used.add(output);
      out.push(toolOutput(output, call.name, toolErrors));
    }
  }
  for (const output of outputs) if (!used.has(output)) out.push(toolOutput(output, undefined, toolErrors));
  return out;
}

export function translateItem(item: ChatContext_ChatItem, opts: { includeUser: boolean }): KeyedEvent[] {
  const it = item.item;
  switch (it.oneofKind) {
    case "message": {
      const m = it.message;
      if (m.role === ChatRole.USER && !opts.includeUser) return [];
      if (m.role === ChatRole.SYSTEM || m.role === ChatRole.DEVELOPER) return [];
      const text = m.content
        .map((c) => (c.payload.oneofKind === "text" ? c.payload.text : ""))
        .filter((t) => t !== "")
        .join("\n");
      if (text === "") return [];
      const event: SessionEvent = { type: "message", role: ROLE_NAMES[m.role] ?? "assistant", text };
      if (m.interrupted) event.interrupted = true;
      const keys = m.id ? [`msg:${m.id}`, `msg-text:${text}`] : [`msg-text:${text}`];
      return [withMadeAt({ event, keys }, m.createdAt)];
    }
    case "functionCall":
      return [toolCall(it.functionCall)];
    case "functionCallOutput":
      return [toolOutput(it.functionCallOutput)];
    case "agentHandoff": {
      const h = it.agentHandoff;
      const event: SessionEvent = { type: "handoff", to: h.newAgentId };
      if (h.oldAgentId) event.from = h.oldAgentId;
      return [
        withMadeAt({ event, keys: [`handoff:${h.id || `${h.oldAgentId}>${h.newAgentId}`}`] }, h.createdAt),
      ];
    }
    case "agentConfigUpdate": {
      const c = it.agentConfigUpdate;
      return [
        withMadeAt(
          {
            event: {
              type: "config",
              instructionsUpdated: c.instructions !== undefined,
              toolsAdded: c.toolsAdded,
              toolsRemoved: c.toolsRemoved,
            },
            keys: c.id ? [`config:${c.id}`] : [],
          },
          c.createdAt,
        ),
      ];
    }
    default:
      return [];
  }
}

function toolCall(call: FunctionCall): KeyedEvent {
  return withMadeAt(
    {
      event: { type: "tool_call", name: call.name, callId: call.callId, arguments: call.arguments },
      keys: [`call:${call.callId || call.id}`],
    },
    call.createdAt,
  );
}

function toolOutput(output: FunctionCallOutput, callName?: string, toolErrors?: ToolErrors): KeyedEvent {
  const event: SessionEvent = {
    type: "tool_output",
    name: output.name || callName || "",
    callId: output.callId,
    output: output.output,
    isError: output.isError,
  };
  const raised = toolErrors?.take(output.callId);
  if (output.isError && raised) event.error = raised;
  return withMadeAt({ event, keys: [`output:${output.callId || output.id}`] }, output.createdAt);
}
