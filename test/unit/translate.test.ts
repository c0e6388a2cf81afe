import { describe, expect, test } from "bun:test";
import { pairToolCalls, ToolErrors, translateEvent, translateItem } from "../../src/daemon/translate.ts";
import { AgentState, ChatRole, ToolCallStatus } from "../../src/wire/gen/livekit_agent_session.ts";

const call = (callId: string, name: string) => ({
  id: `fc_${callId}`,
  callId,
  name,
  arguments: "{}",
  extra: {},
});
const out = (callId: string, output: string, isError = false) => ({
  id: `o_${callId}`,
  name: "",
  callId,
  output,
  isError,
});

describe("function_tools_executed", () => {
  test("each call is followed by its own output, matched by call_id, whatever the order", () => {
    const events = pairToolCalls([call("1", "a"), call("2", "b")], [out("2", "B"), out("1", "A")]).map(
      (k) => k.event,
    );
    expect(events.map((e) => e.type)).toEqual(["tool_call", "tool_output", "tool_call", "tool_output"]);
    expect(events[1]).toMatchObject({ type: "tool_output", name: "a", output: "A" });
    expect(events[3]).toMatchObject({ type: "tool_output", name: "b", output: "B" });
  });
  test("an output with no call is still shown", () => {
    expect(pairToolCalls([], [out("x", "lonely")]).map((k) => k.event.type)).toEqual(["tool_output"]);
  });
});

describe("items", () => {
  const message = (role: ChatRole, texts: string[]) => ({
    item: {
      oneofKind: "message" as const,
      message: {
        id: "m1",
        role,
        content: texts.map((text) => ({ payload: { oneofKind: "text" as const, text } })),
        interrupted: false,
        extra: {},
      },
    },
  });
  test("assistant text is all content joined; user messages are left to the client", () => {
    expect(translateItem(message(ChatRole.ASSISTANT, ["a", "b"]), { includeUser: false })[0]?.event).toEqual({
      type: "message",
      role: "assistant",
      text: "a\nb",
    });
    expect(translateItem(message(ChatRole.USER, ["hi"]), { includeUser: false })).toEqual([]);
    expect(translateItem(message(ChatRole.USER, ["hi"]), { includeUser: true })[0]?.event.type).toBe(
      "message",
    );
  });
  test("when the agent made an item, in ms, if it says (a zero time is no time)", () => {
    const made = (createdAt?: { seconds: number; nanos: number }) => {
      const m = message(ChatRole.ASSISTANT, ["a"]);
      const item = { item: { ...m.item, message: { ...m.item.message, createdAt } } };
      return translateItem(item, { includeUser: false })[0]?.madeAt;
    };
    expect(made({ seconds: 1_700_000_000, nanos: 500_000 })).toBe(1_700_000_000_000.5);
    expect(made({ seconds: 0, nanos: 0 })).toBeUndefined();
    expect(made()).toBeUndefined();
  });
  test("system and developer messages are not shown", () => {
    expect(translateItem(message(ChatRole.SYSTEM, ["x"]), { includeUser: true })).toEqual([]);
  });
  test("a handoff without an old agent", () => {
    const [k] = translateItem(
      { item: { oneofKind: "agentHandoff", agentHandoff: { id: "h", newAgentId: "b" } } },
      { includeUser: false },
    );
    expect(k?.event).toEqual({ type: "handoff", to: "b" });
  });
});

test("state changes and errors", () => {
  const [state] = translateEvent({
    event: {
      oneofKind: "agentStateChanged",
      agentStateChanged: { oldState: AgentState.AS_LISTENING, newState: AgentState.AS_THINKING },
    },
  });
  expect(state?.event).toEqual({ type: "state", agent: "thinking" });
  const [error] = translateEvent({ event: { oneofKind: "error", error: { message: "llm failed" } } });
  expect(error?.event).toEqual({ type: "error", message: "llm failed" });
  expect(translateEvent({ event: { oneofKind: undefined } })).toEqual([]);
});

test("a failing tool's real exception (tool_execution_updated) is attached to its output", () => {
  const errors = new ToolErrors();
  translateEvent(
    {
      event: {
        oneofKind: "toolExecutionUpdated",
        toolExecutionUpdated: {
          update: {
            oneofKind: "ended",
            ended: { id: "x", callId: "c9", message: "disk on fire", status: ToolCallStatus.TC_ERROR },
          },
        },
      },
    },
    errors,
  );
  const events = pairToolCalls(
    [call("c9", "burn")],
    [out("c9", "An internal error occurred", true)],
    errors,
  ).map((k) => k.event);
  expect(events[1]).toMatchObject({ type: "tool_output", isError: true, error: "disk on fire" });
  // Taken once: a later output with the same id does not inherit it.
  expect(pairToolCalls([], [out("c9", "again", true)], errors)[0]?.event).not.toHaveProperty("error");
});
