// Wire compatibility of our generated code (src/wire/gen, from proto/) with an independent
// implementation of the same schema: the npm package @livekit/protocol (protobuf-es v1 classes).
//
// 1. schema: every message, field number, name, type, label and enum value matches theirs;
// 2. coverage: the fixtures below set every field of every message (optional fields both set
//    and unset, repeated fields and maps with >= 2 entries, enums != 0);
// 3. wire: each fixture encoded by us decodes identically with theirs, and vice versa.
//
// Known difference: FunctionCall.extra (field 6) is newer than the npm package. It is left out
// of the comparisons, and theirs must skip it as an unknown field.

import { describe, expect, test } from "bun:test";
import { AgentSession as Theirs } from "@livekit/protocol";
import {
  type FieldInfo,
  type IMessageType,
  type JsonValue,
  MessageType,
  RepeatType,
} from "@protobuf-ts/runtime";
import { Duration } from "../../src/wire/gen/google/protobuf/duration";
import { Struct } from "../../src/wire/gen/google/protobuf/struct";
import { Timestamp } from "../../src/wire/gen/google/protobuf/timestamp";
import * as Ours from "../../src/wire/gen/livekit_agent_session";
import {
  AgentConfigUpdate,
  AgentSessionEvent,
  AgentSessionEvent_AgentFalseInterruption,
  AgentSessionEvent_AgentStateChanged,
  AgentSessionEvent_AmdPrediction,
  AgentSessionEvent_ConversationItemAdded,
  AgentSessionEvent_EotPrediction,
  AgentSessionEvent_Error,
  AgentSessionEvent_FunctionToolsExecuted,
  AgentSessionEvent_FunctionToolsStarted,
  AgentSessionEvent_OverlappingSpeech,
  AgentSessionEvent_SessionUsageUpdated,
  AgentSessionEvent_ToolExecutionUpdated,
  AgentSessionEvent_UserInputTranscribed,
  AgentSessionEvent_UserStateChanged,
  AgentSessionMessage,
  AgentSessionMessage_ConsoleIO_AudioFrame,
  AgentSessionUsage,
  AgentState,
  AmdCategory,
  ChatContext,
  ChatContext_ChatItem,
  ChatMessage,
  ChatRole,
  DebugMessage,
  FunctionCall,
  FunctionCallOutput,
  SessionRequest,
  SessionResponse,
  SessionResponse_GetAgentInfoResponse,
  SessionResponse_RunInputResponse,
  TimedString,
  ToolCallStatus,
  ToolReplyStatus,
  UserState,
} from "../../src/wire/gen/livekit_agent_session";

// ---------------------------------------------------------------------------
// Fixtures. Every value is distinct so that two swapped field numbers cannot go unnoticed.

const T1 = Timestamp.fromDate(new Date("2025-03-04T05:06:07.089Z"));
const T2 = Timestamp.create({ seconds: 1741064800, nanos: 123456789 });
const D1 = Duration.create({ seconds: 2, nanos: 250000000 });
const D2 = Duration.create({ seconds: 0, nanos: 40000000 });
const STRUCT_A = Struct.fromJson({
  level: "debug",
  n: 1.5,
  ok: true,
  none: null,
  list: [1, "two", { x: false }],
});
const STRUCT_B = Struct.fromJson({ transport: { bytesSent: 1024, codec: "opus" } });

const fullMessage = ChatContext_ChatItem.create({
  item: {
    oneofKind: "message",
    message: ChatMessage.create({
      id: "item_msg_1",
      role: ChatRole.ASSISTANT,
      content: [
        { payload: { oneofKind: "text", text: "It is sunny " } },
        { payload: { oneofKind: "text", text: "in Paris." } },
      ],
      interrupted: true,
      transcriptConfidence: 0.875,
      extra: { lang: "en", source: "llm" },
      metrics: {
        startedSpeakingAt: T1,
        stoppedSpeakingAt: T2,
        transcriptionDelay: 0.25,
        endOfTurnDelay: 0.5,
        onUserTurnCompletedDelay: 0.125,
        llmNodeTtft: 0.3,
        ttsNodeTtfb: 0.2,
        e2ELatency: 1.25, // protobuf-ts spells e2e_latency this way (JSON name: e2eLatency)
        llmNodeTps: 42.5,
        llmNodeTtfs: 0.4,
      },
      createdAt: T1,
    }),
  },
});

// Optional fields unset, a content part with no payload.
const sparseMessage = ChatContext_ChatItem.create({
  item: {
    oneofKind: "message",
    message: ChatMessage.create({
      id: "item_msg_2",
      role: ChatRole.USER,
      content: [{ payload: { oneofKind: undefined } }],
      metrics: {},
    }),
  },
});

// Optional doubles present with a zero value must survive (explicit presence).
const zeroMetricsMessage = ChatContext_ChatItem.create({
  item: {
    oneofKind: "message",
    message: ChatMessage.create({
      id: "item_msg_3",
      role: ChatRole.SYSTEM,
      content: [{ payload: { oneofKind: "text", text: "" } }],
      transcriptConfidence: 0,
      metrics: { transcriptionDelay: 0, e2ELatency: 0 },
    }),
  },
});

const CALL_WEATHER = FunctionCall.create({
  id: "item_fc_1",
  callId: "call_abc",
  arguments: '{"city":"Paris"}',
  name: "get_weather",
  createdAt: T1,
  extra: { thought_signature: "c2ln", provider: "google" }, // ours only
});
const CALL_END = FunctionCall.create({
  id: "item_fc_2",
  callId: "call_def",
  arguments: "{}",
  name: "end_call",
});
const OUTPUT_WEATHER = FunctionCallOutput.create({
  id: "item_fco_1",
  name: "get_weather",
  callId: "call_abc",
  output: '"sunny"',
  createdAt: T2,
});
const OUTPUT_FAILED = FunctionCallOutput.create({
  id: "item_fco_2",
  name: "end_call",
  callId: "call_def",
  output: "RuntimeError: boom",
  isError: true,
});

const functionCallItem = ChatContext_ChatItem.create({
  item: { oneofKind: "functionCall", functionCall: CALL_WEATHER },
});
const functionCallOutputItem = ChatContext_ChatItem.create({
  item: { oneofKind: "functionCallOutput", functionCallOutput: OUTPUT_FAILED },
});
const handoffItem = ChatContext_ChatItem.create({
  item: {
    oneofKind: "agentHandoff",
    agentHandoff: { id: "item_ho_1", oldAgentId: "greeter", newAgentId: "booker", createdAt: T1 },
  },
});
const firstHandoffItem = ChatContext_ChatItem.create({
  item: { oneofKind: "agentHandoff", agentHandoff: { id: "item_ho_0", newAgentId: "greeter" } },
});
const configUpdateItem = ChatContext_ChatItem.create({
  item: {
    oneofKind: "agentConfigUpdate",
    agentConfigUpdate: {
      id: "item_cfg_1",
      instructions: "Be brief.",
      toolsAdded: ["get_weather", "book_table"],
      toolsRemoved: ["old_tool", "legacy_tool"],
      createdAt: T2,
    },
  },
});
const toolsOnlyConfigUpdateItem = ChatContext_ChatItem.create({
  item: {
    oneofKind: "agentConfigUpdate",
    agentConfigUpdate: AgentConfigUpdate.create({ id: "item_cfg_2", toolsAdded: ["x"] }),
  },
});

const USAGE = AgentSessionUsage.create({
  modelUsage: [
    {
      usage: {
        oneofKind: "llm",
        llm: {
          provider: "openai",
          model: "gpt-4o-mini",
          inputTokens: 101,
          inputCachedTokens: 102,
          inputAudioTokens: 103,
          inputCachedAudioTokens: 104,
          inputTextTokens: 105,
          inputCachedTextTokens: 106,
          inputImageTokens: 107,
          inputCachedImageTokens: 108,
          outputTokens: 109,
          outputAudioTokens: 110,
          outputTextTokens: 111,
          sessionDuration: 12.5,
        },
      },
    },
    {
      usage: {
        oneofKind: "tts",
        tts: {
          provider: "cartesia",
          model: "sonic-2",
          inputTokens: 201,
          outputTokens: 202,
          charactersCount: 203,
          audioDuration: 3.75,
        },
      },
    },
    {
      usage: {
        oneofKind: "stt",
        stt: {
          provider: "deepgram",
          model: "nova-3",
          inputTokens: 301,
          outputTokens: 302,
          audioDuration: 6.5,
        },
      },
    },
    {
      usage: {
        oneofKind: "interruption",
        interruption: { provider: "livekit", model: "interrupt-v1", totalRequests: 401 },
      },
    },
    { usage: { oneofKind: "eot", eot: { provider: "livekit", model: "turn-detector", totalRequests: 501 } } },
  ],
});

// ---------------------------------------------------------------------------
// Builders for whole frames

type Event = AgentSessionEvent["event"];
type Request = SessionRequest["request"];
type Response = SessionResponse["response"];

const frame = (message: AgentSessionMessage["message"]) => AgentSessionMessage.create({ message });
const event = (ev: Event, createdAt: Timestamp | undefined = T1) =>
  frame({ oneofKind: "event", event: AgentSessionEvent.create({ createdAt, event: ev }) });
const request = (req: Request) =>
  frame({ oneofKind: "request", request: SessionRequest.create({ requestId: "session-7", request: req }) });
const response = (res: Response, error?: string) =>
  frame({
    oneofKind: "response",
    response: SessionResponse.create({ requestId: "session-7", error, response: res }),
  });
const itemAdded = (item: ChatContext_ChatItem) =>
  event({
    oneofKind: "conversationItemAdded",
    conversationItemAdded: AgentSessionEvent_ConversationItemAdded.create({ item }),
  });
const toolUpdate = (update: AgentSessionEvent_ToolExecutionUpdated["update"]) =>
  event({
    oneofKind: "toolExecutionUpdated",
    toolExecutionUpdated: AgentSessionEvent_ToolExecutionUpdated.create({ update }),
  });

// ---------------------------------------------------------------------------
// The case table

interface WireCase {
  name: string;
  type: IMessageType<object>;
  value: object;
}
const wireCase = <T extends object>(name: string, type: IMessageType<T>, value: T): WireCase => ({
  name,
  type: type as unknown as IMessageType<object>,
  value,
});
const frameCase = (name: string, value: AgentSessionMessage) => wireCase(name, AgentSessionMessage, value);

const CASES: WireCase[] = [
  // AgentSessionMessage variants other than event/request/response
  frameCase(
    "audio_input",
    frame({
      oneofKind: "audioInput",
      audioInput: AgentSessionMessage_ConsoleIO_AudioFrame.create({
        data: new Uint8Array([0, 1, 2, 127, 128, 255]),
        sampleRate: 24000,
        numChannels: 2,
        samplesPerChannel: 480,
      }),
    }),
  ),
  frameCase(
    "audio_output",
    frame({
      oneofKind: "audioOutput",
      audioOutput: AgentSessionMessage_ConsoleIO_AudioFrame.create({
        data: new Uint8Array([9, 8, 7, 6]),
        sampleRate: 48000,
        numChannels: 1,
        samplesPerChannel: 960,
      }),
    }),
  ),
  frameCase("audio_playback_flush", frame({ oneofKind: "audioPlaybackFlush", audioPlaybackFlush: {} })),
  frameCase("audio_playback_clear", frame({ oneofKind: "audioPlaybackClear", audioPlaybackClear: {} })),
  frameCase(
    "audio_playback_finished",
    frame({ oneofKind: "audioPlaybackFinished", audioPlaybackFinished: {} }),
  ),
  frameCase("empty frame (no oneof)", frame({ oneofKind: undefined })),

  // AgentSessionEvent variants
  frameCase(
    "event agent_state_changed",
    event({
      oneofKind: "agentStateChanged",
      agentStateChanged: AgentSessionEvent_AgentStateChanged.create({
        oldState: AgentState.AS_LISTENING,
        newState: AgentState.AS_SPEAKING,
      }),
    }),
  ),
  frameCase(
    "event user_state_changed (no created_at)",
    event(
      {
        oneofKind: "userStateChanged",
        userStateChanged: AgentSessionEvent_UserStateChanged.create({
          oldState: UserState.US_LISTENING,
          newState: UserState.US_AWAY,
        }),
      },
      undefined,
    ),
  ),
  frameCase("event conversation_item_added: message", itemAdded(fullMessage)),
  frameCase("event conversation_item_added: sparse message", itemAdded(sparseMessage)),
  frameCase("event conversation_item_added: function_call", itemAdded(functionCallItem)),
  frameCase("event conversation_item_added: function_call_output", itemAdded(functionCallOutputItem)),
  frameCase("event conversation_item_added: agent_handoff", itemAdded(handoffItem)),
  frameCase("event conversation_item_added: agent_handoff without old agent", itemAdded(firstHandoffItem)),
  frameCase("event conversation_item_added: agent_config_update", itemAdded(configUpdateItem)),
  frameCase(
    "event conversation_item_added: agent_config_update without instructions",
    itemAdded(toolsOnlyConfigUpdateItem),
  ),
  frameCase(
    "event user_input_transcribed (final, with language)",
    event({
      oneofKind: "userInputTranscribed",
      userInputTranscribed: AgentSessionEvent_UserInputTranscribed.create({
        transcript: "what's the weather",
        isFinal: true,
        language: "en-US",
      }),
    }),
  ),
  frameCase(
    "event user_input_transcribed (interim)",
    event({
      oneofKind: "userInputTranscribed",
      userInputTranscribed: AgentSessionEvent_UserInputTranscribed.create({ transcript: "what's the" }),
    }),
  ),
  frameCase(
    "event function_tools_started",
    event({
      oneofKind: "functionToolsStarted",
      functionToolsStarted: AgentSessionEvent_FunctionToolsStarted.create({
        functionCalls: [CALL_WEATHER, CALL_END],
      }),
    }),
  ),
  frameCase(
    "event function_tools_executed",
    event({
      oneofKind: "functionToolsExecuted",
      functionToolsExecuted: AgentSessionEvent_FunctionToolsExecuted.create({
        functionCalls: [CALL_WEATHER, CALL_END],
        functionCallOutputs: [OUTPUT_WEATHER, OUTPUT_FAILED],
      }),
    }),
  ),
  frameCase(
    "event error",
    event({ oneofKind: "error", error: AgentSessionEvent_Error.create({ message: "llm timed out" }) }),
  ),
  frameCase(
    "event overlapping_speech",
    event({
      oneofKind: "overlappingSpeech",
      overlappingSpeech: AgentSessionEvent_OverlappingSpeech.create({
        isInterruption: true,
        overlapStartedAt: T1,
        detectionDelay: 0.35,
        detectedAt: T2,
      }),
    }),
  ),
  frameCase(
    "event overlapping_speech without start",
    event({
      oneofKind: "overlappingSpeech",
      overlappingSpeech: AgentSessionEvent_OverlappingSpeech.create({ detectionDelay: 0.1 }),
    }),
  ),
  frameCase(
    "event session_usage_updated",
    event({
      oneofKind: "sessionUsageUpdated",
      sessionUsageUpdated: AgentSessionEvent_SessionUsageUpdated.create({ usage: USAGE }),
    }),
  ),
  frameCase(
    "event amd_prediction",
    event({
      oneofKind: "amdPrediction",
      amdPrediction: AgentSessionEvent_AmdPrediction.create({
        speechDuration: D1,
        category: AmdCategory.AMD_MACHINE_VM,
        reason: "beep detected",
        transcript: "leave a message",
        delay: D2,
      }),
    }),
  ),
  frameCase(
    "event eot_prediction",
    event({
      oneofKind: "eotPrediction",
      // float fields: values exactly representable in float32
      eotPrediction: AgentSessionEvent_EotPrediction.create({
        probability: 0.75,
        threshold: 0.5,
        inferenceDuration: D2,
        delay: D1,
      }),
    }),
  ),
  frameCase(
    "event debug_message",
    event({ oneofKind: "debugMessage", debugMessage: DebugMessage.create({ payload: STRUCT_A }) }),
  ),
  frameCase(
    "event tool_execution_updated: started",
    toolUpdate({ oneofKind: "started", started: { functionCall: CALL_WEATHER } }),
  ),
  frameCase(
    "event tool_execution_updated: call_updated",
    toolUpdate({
      oneofKind: "callUpdated",
      callUpdated: { id: "item_fc_1", callId: "call_abc", message: "fetching forecast" },
    }),
  ),
  frameCase(
    "event tool_execution_updated: reply_updated",
    toolUpdate({
      oneofKind: "replyUpdated",
      replyUpdated: {
        updateIds: ["upd_1", "upd_2"],
        status: ToolReplyStatus.TR_INTERRUPTED,
        speechId: "speech_9",
      },
    }),
  ),
  frameCase(
    "event tool_execution_updated: ended with message",
    toolUpdate({
      oneofKind: "ended",
      ended: { id: "item_fc_2", callId: "call_def", message: "boom", status: ToolCallStatus.TC_ERROR },
    }),
  ),
  frameCase(
    "event tool_execution_updated: ended without message",
    toolUpdate({
      oneofKind: "ended",
      ended: { id: "item_fc_1", callId: "call_abc", status: ToolCallStatus.TC_DONE },
    }),
  ),
  frameCase(
    "event agent_false_interruption",
    event({
      oneofKind: "agentFalseInterruption",
      agentFalseInterruption: AgentSessionEvent_AgentFalseInterruption.create({ resumed: true }),
    }),
  ),

  // SessionRequest variants
  frameCase("request ping", request({ oneofKind: "ping", ping: {} })),
  frameCase("request get_chat_history", request({ oneofKind: "getChatHistory", getChatHistory: {} })),
  frameCase("request run_input", request({ oneofKind: "runInput", runInput: { text: "hello there" } })),
  frameCase("request get_agent_info", request({ oneofKind: "getAgentInfo", getAgentInfo: {} })),
  frameCase("request get_session_state", request({ oneofKind: "getSessionState", getSessionState: {} })),
  frameCase("request get_rtc_stats", request({ oneofKind: "getRtcStats", getRtcStats: {} })),
  frameCase("request get_session_usage", request({ oneofKind: "getSessionUsage", getSessionUsage: {} })),
  frameCase("request get_framework_info", request({ oneofKind: "getFrameworkInfo", getFrameworkInfo: {} })),
  frameCase(
    "request update_io (text mode: explicit false)",
    request({
      oneofKind: "updateIo",
      updateIo: {
        input: { audioEnabled: false },
        output: { audioEnabled: false, transcriptionEnabled: false },
      },
    }),
  ),
  frameCase(
    "request update_io (everything on)",
    request({
      oneofKind: "updateIo",
      updateIo: {
        input: { audioEnabled: true, videoEnabled: true },
        output: { audioEnabled: true, videoEnabled: true, transcriptionEnabled: true },
      },
    }),
  ),
  frameCase(
    "request update_io (video only)",
    request({
      oneofKind: "updateIo",
      updateIo: { input: { videoEnabled: false }, output: { videoEnabled: true } },
    }),
  ),
  frameCase("request update_io (nothing)", request({ oneofKind: "updateIo", updateIo: {} })),
  frameCase(
    "request finalize_simulation",
    request({
      oneofKind: "finalizeSimulation",
      finalizeSimulation: { provisionalSuccess: true, provisionalReason: "booked a table" },
    }),
  ),

  // SessionResponse variants
  frameCase("response pong", response({ oneofKind: "pong", pong: {} })),
  frameCase(
    "response get_chat_history (every chat item kind)",
    response({
      oneofKind: "getChatHistory",
      getChatHistory: {
        items: [
          sparseMessage,
          zeroMetricsMessage,
          fullMessage,
          functionCallItem,
          functionCallOutputItem,
          handoffItem,
          configUpdateItem,
        ],
      },
    }),
  ),
  frameCase(
    "response run_input",
    response({ oneofKind: "runInput", runInput: { items: [functionCallOutputItem, fullMessage] } }),
  ),
  frameCase(
    "response run_input with error",
    response(
      { oneofKind: "runInput", runInput: SessionResponse_RunInputResponse.create() },
      "internal error",
    ),
  ),
  frameCase("response error only", response({ oneofKind: undefined }, "empty run_input text")),
  frameCase(
    "response get_agent_info",
    response({
      oneofKind: "getAgentInfo",
      getAgentInfo: {
        id: "booker",
        instructions: "You book tables.",
        tools: ["book_table", "cancel_booking"],
        chatCtx: [sparseMessage, fullMessage],
      },
    }),
  ),
  frameCase(
    "response get_agent_info without instructions",
    response({
      oneofKind: "getAgentInfo",
      getAgentInfo: SessionResponse_GetAgentInfoResponse.create({ id: "greeter", tools: ["transfer"] }),
    }),
  ),
  frameCase(
    "response get_session_state",
    response({
      oneofKind: "getSessionState",
      getSessionState: {
        agentState: AgentState.AS_THINKING,
        userState: UserState.US_LISTENING,
        agentId: "greeter",
        options: { allow_interruptions: "true", min_endpointing_delay: "0.5" },
        createdAt: T2,
      },
    }),
  ),
  frameCase(
    "response get_rtc_stats",
    response({
      oneofKind: "getRtcStats",
      getRtcStats: { publisherStats: [STRUCT_A, STRUCT_B], subscriberStats: [STRUCT_B, STRUCT_A] },
    }),
  ),
  frameCase(
    "response get_session_usage",
    response({ oneofKind: "getSessionUsage", getSessionUsage: { usage: USAGE, createdAt: T1 } }),
  ),
  frameCase(
    "response get_framework_info",
    response({ oneofKind: "getFrameworkInfo", getFrameworkInfo: { sdk: "python", sdkVersion: "1.8.9" } }),
  ),
  frameCase("response update_io", response({ oneofKind: "updateIo", updateIo: {} })),
  frameCase(
    "response finalize_simulation",
    response({
      oneofKind: "finalizeSimulation",
      finalizeSimulation: { userVerdict: { success: true, reason: "the user got a table" } },
    }),
  ),

  // Messages no frame refers to
  wireCase(
    "TimedString (all set)",
    TimedString,
    TimedString.create({
      text: "hello",
      startTime: 1.5,
      endTime: 2.25,
      confidence: 0.875,
      startTimeOffset: 0.125,
      speakerId: "spk_1",
    }),
  ),
  wireCase("TimedString (optionals unset)", TimedString, TimedString.create({ text: "bye" })),
  wireCase(
    "ChatContext",
    ChatContext,
    ChatContext.create({ items: [fullMessage, handoffItem, toolsOnlyConfigUpdateItem] }),
  ),
];

// ---------------------------------------------------------------------------
// Reflection helpers

/** Fields that exist in our schema but not in @livekit/protocol 1.52.1. */
const OURS_ONLY_FIELDS = new Set(["livekit.agent.FunctionCall.extra"]);
const OURS_ONLY_ENUMS = new Set(["CloseReason"]);

const isWellKnown = (typeName: string) => typeName.startsWith("google.protobuf.");

function ourFieldValue(msg: object, f: FieldInfo): unknown {
  const rec = msg as Record<string, unknown>;
  if (f.oneof) {
    const group = rec[f.oneof] as { oneofKind?: string } & Record<string, unknown>;
    return group.oneofKind === f.localName ? group[f.localName] : undefined;
  }
  return rec[f.localName];
}

/** Calls `visit` for msg and every livekit.agent message nested in it. */
function forEachMessage(
  type: IMessageType<object>,
  msg: object,
  visit: (type: IMessageType<object>, msg: object) => void,
): void {
  visit(type, msg);
  for (const f of type.fields) {
    if (f.kind !== "message") continue;
    const child = f.T() as IMessageType<object>;
    const value = ourFieldValue(msg, f);
    if (value === undefined || isWellKnown(child.typeName)) continue;
    for (const m of f.repeat === RepeatType.NO ? [value as object] : (value as object[])) {
      forEachMessage(child, m, visit);
    }
  }
}

/** A copy without the fields theirs does not know, and how many map entries were dropped
 * (each entry is one unknown field occurrence on their side). */
function withoutOursOnlyFields(
  type: IMessageType<object>,
  value: object,
): { stripped: object; dropped: number } {
  const stripped = type.clone(value);
  let dropped = 0;
  forEachMessage(type, stripped, (t, msg) => {
    for (const f of t.fields) {
      if (!OURS_ONLY_FIELDS.has(`${t.typeName}.${f.name}`)) continue;
      const rec = msg as Record<string, unknown>;
      dropped += Object.keys(rec[f.localName] as object).length;
      rec[f.localName] = {}; // the only ours-only field is a map
    }
  });
  return { stripped, dropped };
}

// Their side (protobuf-es v1), typed only as far as used here.
interface TheirField {
  no: number;
  name: string;
  localName: string;
  jsonName: string;
  kind: "scalar" | "enum" | "message" | "map";
  T: number | { typeName: string };
  K?: number;
  V?: { kind: string; T: number | { typeName: string } };
  repeated: boolean;
  opt: boolean;
  oneof?: { localName: string };
}
interface TheirMessage {
  toBinary(): Uint8Array;
  toJson(): JsonValue;
  getType(): TheirType;
}
interface TheirType {
  typeName: string;
  fields: { list(): readonly TheirField[] };
  runtime: { bin: { listUnknownFields(msg: TheirMessage): readonly { no: number }[] } };
  fromBinary(bytes: Uint8Array): TheirMessage;
  fromJson(json: JsonValue): TheirMessage;
}

const theirExports = Theirs as unknown as Record<string, unknown>;
const ourExports = Ours as unknown as Record<string, unknown>;
const theirMessageTypes = new Map<string, TheirType>();
const theirEnums = new Map<string, Record<string, unknown>>();
for (const [name, value] of Object.entries(theirExports)) {
  if (typeof value === "function" && "typeName" in value)
    theirMessageTypes.set(name, value as unknown as TheirType);
  else if (typeof value === "object" && value !== null)
    theirEnums.set(name, value as Record<string, unknown>);
}
const ourMessageTypes = new Map<string, IMessageType<object>>();
const ourEnums = new Map<string, Record<string, unknown>>();
for (const [name, value] of Object.entries(ourExports)) {
  if (value instanceof MessageType) ourMessageTypes.set(name, value as IMessageType<object>);
  else if (typeof value === "object" && value !== null) ourEnums.set(name, value as Record<string, unknown>);
}
const theirTypeByName = new Map([...theirMessageTypes.values()].map((t) => [t.typeName, t]));

function theirType(typeName: string): TheirType {
  const t = theirTypeByName.get(typeName);
  if (!t) throw new Error(`@livekit/protocol has no ${typeName}`);
  return t;
}

/** Unknown fields found anywhere in a message decoded by theirs, as "Type#number". */
function theirUnknownFields(msg: TheirMessage): string[] {
  const type = msg.getType();
  const found = type.runtime.bin.listUnknownFields(msg).map((u) => `${type.typeName}#${u.no}`);
  const rec = msg as unknown as Record<string, unknown>;
  for (const f of type.fields.list()) {
    if (f.kind !== "message") continue;
    let value: unknown = rec[f.localName];
    if (f.oneof) {
      const group = rec[f.oneof.localName] as { case?: string; value?: unknown };
      value = group.case === f.localName ? group.value : undefined;
    }
    if (value === undefined) continue;
    for (const m of f.repeated ? (value as TheirMessage[]) : [value as TheirMessage]) {
      found.push(...theirUnknownFields(m));
    }
  }
  return found;
}

/** Scalar type number, or the full name of the message/enum type. Theirs: a class or enum type
 * object with `typeName`; ours: a thunk returning a message type or an enum info tuple. */
function scalarOrType(t: number | { typeName: string } | (() => unknown)): string {
  if (typeof t === "number") return `scalar(${t})`;
  if ("typeName" in t) return t.typeName;
  const resolved = t() as { typeName: string } | readonly [string, ...unknown[]];
  return Array.isArray(resolved) ? String(resolved[0]) : (resolved as { typeName: string }).typeName;
}

/** One line per field: number, names, type, label, oneof. Messages always have presence, so the
 * proto3 `optional` keyword is compared for scalars and enums only (protobuf-ts drops it for messages). */
function describeOurField(f: FieldInfo): string {
  const type = f.kind === "map" ? `map<scalar(${f.K}), ${scalarOrType(f.V.T)}>` : scalarOrType(f.T);
  const repeated = f.kind !== "map" && f.repeat !== RepeatType.NO;
  const optional = (f.kind === "scalar" || f.kind === "enum") && f.opt;
  return `${f.no} ${f.name} (${f.jsonName}) ${f.kind} ${type}${repeated ? " repeated" : ""}${optional ? " optional" : ""}${f.oneof ? ` oneof ${f.oneof}` : ""}`;
}
function describeTheirField(f: TheirField): string {
  const type = f.kind === "map" ? `map<scalar(${f.K}), ${scalarOrType(f.V?.T ?? 0)}>` : scalarOrType(f.T);
  const optional = (f.kind === "scalar" || f.kind === "enum") && f.opt;
  return `${f.no} ${f.name} (${f.jsonName}) ${f.kind} ${type}${f.repeated ? " repeated" : ""}${optional ? " optional" : ""}${f.oneof ? ` oneof ${f.oneof.localName}` : ""}`;
}

const enumValues = (e: Record<string, unknown>) =>
  Object.entries(e)
    .filter(([, v]) => typeof v === "number")
    .sort(([, a], [, b]) => (a as number) - (b as number));

// ---------------------------------------------------------------------------
// Tests

describe("schema matches @livekit/protocol", () => {
  test("same message types", () => {
    expect([...ourMessageTypes.keys()].sort()).toEqual([...theirMessageTypes.keys()].sort());
  });

  for (const [name, theirs] of theirMessageTypes) {
    test(`fields of ${name}`, () => {
      const ours = ourMessageTypes.get(name);
      expect(ours?.typeName).toBe(theirs.typeName);
      const ourFields = (ours?.fields ?? [])
        .filter((f) => !OURS_ONLY_FIELDS.has(`${theirs.typeName}.${f.name}`))
        .map(describeOurField);
      expect(ourFields).toEqual(theirs.fields.list().map(describeTheirField));
    });
  }

  test("ours-only fields are absent from theirs (drop them from OURS_ONLY_FIELDS once theirs has them)", () => {
    for (const key of OURS_ONLY_FIELDS) {
      const typeName = key.slice(0, key.lastIndexOf("."));
      const field = key.slice(key.lastIndexOf(".") + 1);
      const ours = [...ourMessageTypes.values()].find((t) => t.typeName === typeName);
      expect(ours?.fields.some((f) => f.name === field)).toBe(true);
      expect(
        theirType(typeName)
          .fields.list()
          .some((f) => f.name === field),
      ).toBe(false);
    }
  });

  test("same enums and values", () => {
    expect([...ourEnums.keys()].filter((n) => !OURS_ONLY_ENUMS.has(n)).sort()).toEqual(
      [...theirEnums.keys()].sort(),
    );
    for (const [name, theirs] of theirEnums) {
      expect({ name, values: enumValues(ourEnums.get(name) ?? {}) }).toEqual({
        name,
        values: enumValues(theirs),
      });
    }
    for (const name of OURS_ONLY_ENUMS) expect(theirEnums.has(name)).toBe(false);
  });
});

describe("fixtures cover every field", () => {
  test("each field is set (non-default) somewhere; optional ones also unset; repeated/maps with >= 2", () => {
    const seen = new Map<string, { value: boolean; unset: boolean; many: boolean }>();
    for (const type of ourMessageTypes.values()) {
      for (const f of type.fields)
        seen.set(`${type.typeName}.${f.name}`, { value: false, unset: false, many: false });
    }
    for (const c of CASES) {
      forEachMessage(c.type, c.value, (type, msg) => {
        for (const f of type.fields) {
          const s = seen.get(`${type.typeName}.${f.name}`);
          if (!s) continue;
          const v = ourFieldValue(msg, f);
          const size =
            f.kind === "map"
              ? Object.keys(v as object).length
              : f.repeat
                ? (v as unknown[]).length
                : undefined;
          if (v === undefined) s.unset = true;
          else if (size !== undefined) {
            s.value ||= size > 0;
            s.many ||= size >= 2;
          } else if (f.kind !== "map" && f.opt) s.value = true;
          else
            s.value ||= !(v === "" || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0));
        }
      });
    }
    // Fields declared `optional` (explicit presence), taken from the oracle for message fields.
    const optional = (typeName: string, f: FieldInfo) =>
      ((f.kind === "scalar" || f.kind === "enum") && f.opt) ||
      (theirTypeByName
        .get(typeName)
        ?.fields.list()
        .some((t) => t.name === f.name && t.opt) ??
        false);

    const missing: string[] = [];
    for (const type of ourMessageTypes.values()) {
      for (const f of type.fields) {
        const key = `${type.typeName}.${f.name}`;
        const s = seen.get(key);
        if (!s?.value) missing.push(`${key}: never set to a non-default value`);
        if (optional(type.typeName, f) && !s?.unset) missing.push(`${key}: optional but never left unset`);
        if ((f.kind === "map" || f.repeat) && !s?.many) missing.push(`${key}: never had 2+ entries`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("ours → theirs", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const bytes = c.type.toBinary(c.value);
      expect(c.type.fromBinary(bytes)).toEqual(c.value); // our own round trip keeps everything

      const { stripped, dropped } = withoutOursOnlyFields(c.type, c.value);
      const decoded = theirType(c.type.typeName).fromBinary(bytes);
      // Nothing may land in unknown fields, except ours-only fields (FunctionCall.extra = 6).
      expect(theirUnknownFields(decoded)).toEqual(Array(dropped).fill("livekit.agent.FunctionCall#6"));
      expect(decoded.toJson()).toEqual(c.type.toJson(stripped));
    });
  }
});

describe("theirs → ours", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const { stripped } = withoutOursOnlyFields(c.type, c.value);
      // Theirs is built by name (JSON), so any field-number difference shows up on our side.
      const theirs = theirType(c.type.typeName).fromJson(c.type.toJson(stripped));
      const decoded = c.type.fromBinary(theirs.toBinary());
      expect(decoded).toEqual(stripped);
      expect(c.type.toJson(decoded)).toEqual(theirs.toJson());
    });
  }
});

describe("spot checks of the flows the CLI relies on", () => {
  test("text-mode update_io keeps explicit false on their side", () => {
    const msg = Theirs.AgentSessionMessage.fromBinary(
      AgentSessionMessage.toBinary(
        request({
          oneofKind: "updateIo",
          updateIo: {
            input: { audioEnabled: false },
            output: { audioEnabled: false, transcriptionEnabled: false },
          },
        }),
      ),
    );
    expect(msg.message.case).toBe("request");
    const req = msg.message.case === "request" ? msg.message.value : undefined;
    expect(req?.requestId).toBe("session-7");
    expect(req?.request.case).toBe("updateIo");
    const io = req?.request.case === "updateIo" ? req.request.value : undefined;
    expect(io?.input?.audioEnabled).toBe(false);
    expect(io?.input?.videoEnabled).toBeUndefined();
    expect(io?.output?.audioEnabled).toBe(false);
    expect(io?.output?.transcriptionEnabled).toBe(false);
  });

  test("their run_input response with error and items decodes on our side", () => {
    const theirs = new Theirs.AgentSessionMessage({
      message: {
        case: "response",
        value: new Theirs.SessionResponse({
          requestId: "session-3",
          error: "agent produced no response items",
          response: {
            case: "runInput",
            value: new Theirs.SessionResponse_RunInputResponse({
              items: [
                new Theirs.ChatContext_ChatItem({
                  item: {
                    case: "message",
                    value: new Theirs.ChatMessage({
                      id: "m1",
                      role: Theirs.ChatRole.ASSISTANT,
                      content: [
                        new Theirs.ChatMessage_ChatContent({ payload: { case: "text", value: "Hi!" } }),
                      ],
                    }),
                  },
                }),
              ],
            }),
          },
        }),
      },
    });
    const ours = AgentSessionMessage.fromBinary(theirs.toBinary());
    expect(ours.message.oneofKind).toBe("response");
    const res = ours.message.oneofKind === "response" ? ours.message.response : undefined;
    expect(res?.requestId).toBe("session-3");
    expect(res?.error).toBe("agent produced no response items");
    expect(res?.response.oneofKind).toBe("runInput");
    const items = res?.response.oneofKind === "runInput" ? res.response.runInput.items : [];
    const first = items[0]?.item;
    expect(first?.oneofKind).toBe("message");
    const message = first?.oneofKind === "message" ? first.message : undefined;
    expect(message?.role).toBe(ChatRole.ASSISTANT);
    expect(message?.content[0]?.payload).toEqual({ oneofKind: "text", text: "Hi!" });
  });

  test("their audio_playback_flush decodes as ours, our audio_playback_finished as theirs", () => {
    const flush = new Theirs.AgentSessionMessage({
      message: {
        case: "audioPlaybackFlush",
        value: new Theirs.AgentSessionMessage_ConsoleIO_AudioPlaybackFlush(),
      },
    });
    expect(AgentSessionMessage.fromBinary(flush.toBinary()).message.oneofKind).toBe("audioPlaybackFlush");
    const finished = AgentSessionMessage.toBinary(
      frame({ oneofKind: "audioPlaybackFinished", audioPlaybackFinished: {} }),
    );
    expect(Theirs.AgentSessionMessage.fromBinary(finished).message.case).toBe("audioPlaybackFinished");
  });

  test("FunctionCall.extra survives our round trip and is skipped by theirs", () => {
    const bytes = FunctionCall.toBinary(CALL_WEATHER);
    expect(FunctionCall.fromBinary(bytes).extra).toEqual({ thought_signature: "c2ln", provider: "google" });
    const theirs = Theirs.FunctionCall.fromBinary(bytes);
    expect(theirs.name).toBe("get_weather");
    expect(theirUnknownFields(theirs as unknown as TheirMessage)).toEqual([
      "livekit.agent.FunctionCall#6",
      "livekit.agent.FunctionCall#6",
    ]);
  });
});
