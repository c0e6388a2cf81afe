// Protobuf from the agent → the typed events clients render.

import type {
  AgentStateName,
  MessageMetrics,
  SessionEvent,
  ToolEndStatus,
  UserStateName,
} from "../protocol/events.ts";
import type { ModelUsage } from "../protocol/usage.ts";
import { nonZero } from "../protocol/usage.ts";
import type { Timestamp } from "../wire/gen/google/protobuf/timestamp.ts";
import type {
  AgentSessionEvent,
  AgentSessionUsage,
  AgentState,
  ChatContext_ChatItem,
  ChatRole,
  FunctionCall,
  FunctionCallOutput,
  MetricsReport,
  ToolCallStatus,
  UserState,
} from "../wire/gen/livekit_agent_session.ts";
import { wireMessages } from "../wire/messages.ts";

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

/** The names of the generated enums' values (built on first use: see wire/messages.ts). */
interface EnumNames {
  states: Record<AgentState, AgentStateName>;
  userStates: Record<UserState, UserStateName>;
  roles: Record<ChatRole, "user" | "assistant" | "system" | "developer">;
  endStatus: Record<ToolCallStatus, ToolEndStatus>;
}
let enumNames: EnumNames | undefined;

function names(): EnumNames {
  if (enumNames) return enumNames;
  const { AgentState, UserState, ChatRole, ToolCallStatus } = wireMessages();
  enumNames = {
    states: {
      [AgentState.AS_INITIALIZING]: "initializing",
      [AgentState.AS_IDLE]: "idle",
      [AgentState.AS_LISTENING]: "listening",
      [AgentState.AS_THINKING]: "thinking",
      [AgentState.AS_SPEAKING]: "speaking",
    },
    userStates: {
      [UserState.US_SPEAKING]: "speaking",
      [UserState.US_LISTENING]: "listening",
      [UserState.US_AWAY]: "away",
    },
    roles: {
      [ChatRole.DEVELOPER]: "developer",
      [ChatRole.SYSTEM]: "system",
      [ChatRole.USER]: "user",
      [ChatRole.ASSISTANT]: "assistant",
    },
    endStatus: {
      [ToolCallStatus.TC_RUNNING]: "done",
      [ToolCallStatus.TC_DONE]: "done",
      [ToolCallStatus.TC_ERROR]: "error",
      [ToolCallStatus.TC_CANCELLED]: "cancelled",
    },
  };
  return enumNames;
}

/** The agent's state as the events name it (an unknown one is idle). */
export function agentStateName(state: AgentState): AgentStateName {
  return names().states[state] ?? "idle";
}

/** A value per tool call id, taken once; bounded, the oldest go first. */
class ByCallId {
  private readonly byCallId = new Map<string, string>();

  remember(callId: string, value: string): void {
    this.byCallId.set(callId, value);
    if (this.byCallId.size > 100) this.byCallId.delete(this.byCallId.keys().next().value as string);
  }

  take(callId: string): string | undefined {
    const value = this.byCallId.get(callId);
    this.byCallId.delete(callId);
    return value;
  }
}

/**
 * What a failing tool really raised, by call id: Python agents report it in tool_execution_updated
 * ("ended", TC_ERROR) just before function_tools_executed, whose output only says "An internal error
 * occurred". Entries are taken when their output arrives.
 */
export class ToolErrors extends ByCallId {}

/** The names of running tools: an "ended" update carries only the call id. */
export class ToolNames extends ByCallId {}

export function translateEvent(
  ev: AgentSessionEvent,
  toolErrors = new ToolErrors(),
  toolNames = new ToolNames(),
): KeyedEvent[] {
  switch (ev.event.oneofKind) {
    case "agentStateChanged":
      return [
        {
          event: { type: "state", agent: agentStateName(ev.event.agentStateChanged.newState) },
          keys: [],
        },
      ];
    case "userStateChanged":
      return [
        {
          event: {
            type: "user_state",
            user: names().userStates[ev.event.userStateChanged.newState] ?? "listening",
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
    case "functionToolsStarted":
      return ev.event.functionToolsStarted.functionCalls.map((call) => toolStarted(call, toolNames));
    case "toolExecutionUpdated": {
      const update = ev.event.toolExecutionUpdated.update;
      if (update.oneofKind === "started" && update.started.functionCall)
        return [toolStarted(update.started.functionCall, toolNames)];
      if (update.oneofKind !== "ended") return [];
      const { callId, status, message } = update.ended;
      const ended = names().endStatus[status] ?? "done";
      if (ended === "error" && message) toolErrors.remember(callId, message);
      const event: SessionEvent = { type: "tool_ended", callId, status: ended };
      const name = toolNames.take(callId);
      if (name) event.name = name;
      if (message !== undefined) event.message = message;
      return [{ event, keys: [`ended:${callId}`] }];
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
      const role = names().roles[m.role] ?? "assistant";
      if (role === "user" && !opts.includeUser) return [];
      if (role === "system" || role === "developer") return [];
      const text = m.content
        .map((c) => (c.payload.oneofKind === "text" ? c.payload.text : ""))
        .filter((t) => t !== "")
        .join("\n");
      if (text === "") return [];
      const event: SessionEvent = { type: "message", role, text };
      if (m.interrupted) event.interrupted = true;
      const metrics = m.metrics && translateMetrics(m.metrics);
      if (metrics) event.metrics = metrics;
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

/** Seconds on the wire, milliseconds for people (to 0.01 ms); only what the agent sent. */
export function translateMetrics(m: MetricsReport): MessageMetrics | undefined {
  const ms = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 100_000) / 100);
  const all: MessageMetrics = {
    llmTtftMs: ms(m.llmNodeTtft),
    ttsTtfbMs: ms(m.ttsNodeTtfb),
    e2eLatencyMs: ms(m.e2ELatency),
    llmTokensPerSecond: m.llmNodeTps === undefined ? undefined : Math.round(m.llmNodeTps * 100) / 100,
    llmTtfsMs: ms(m.llmNodeTtfs),
    transcriptionDelayMs: ms(m.transcriptionDelay),
    endOfTurnDelayMs: ms(m.endOfTurnDelay),
    onUserTurnCompletedDelayMs: ms(m.onUserTurnCompletedDelay),
  };
  const present = Object.entries(all).filter(([, v]) => v !== undefined);
  return present.length ? (Object.fromEntries(present) as MessageMetrics) : undefined;
}

/** An AgentSessionUsage as plain usage entries (LLM, TTS, STT; models with nothing counted left out). */
export function translateUsage(usage: AgentSessionUsage): ModelUsage[] {
  const out: (ModelUsage | undefined)[] = usage.modelUsage.map(({ usage: u }) => {
    switch (u.oneofKind) {
      case "llm":
        return nonZero({
          kind: "llm",
          provider: u.llm.provider,
          model: u.llm.model,
          inputTokens: u.llm.inputTokens,
          cachedTokens: u.llm.inputCachedTokens,
          outputTokens: u.llm.outputTokens,
        });
      case "tts":
        return nonZero({
          kind: "tts",
          provider: u.tts.provider,
          model: u.tts.model,
          inputTokens: u.tts.inputTokens,
          outputTokens: u.tts.outputTokens,
          characters: u.tts.charactersCount,
          audioSeconds: u.tts.audioDuration,
        });
      case "stt":
        return nonZero({
          kind: "stt",
          provider: u.stt.provider,
          model: u.stt.model,
          inputTokens: u.stt.inputTokens,
          outputTokens: u.stt.outputTokens,
          audioSeconds: u.stt.audioDuration,
        });
      default:
        return undefined;
    }
  });
  return out.filter((u) => u !== undefined);
}

function toolStarted(call: FunctionCall, toolNames: ToolNames): KeyedEvent {
  toolNames.remember(call.callId, call.name);
  return {
    event: { type: "tool_started", name: call.name, callId: call.callId, arguments: call.arguments },
    // Python may report a start twice (function_tools_started and tool_execution_updated).
    keys: [`started:${call.callId || call.id}`],
  };
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
