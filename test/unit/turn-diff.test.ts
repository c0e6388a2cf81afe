// restart --replay's comparison: the previous turns read from a chat history, each new run against
// them, and the compact diff in words.

import { describe, expect, test } from "bun:test";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import { colorsFor } from "../../src/render/text.ts";
import { compareTurn, pastTurns, runOf } from "../../src/session/turn-diff.ts";
import { replaySummary, turnDiffLines } from "../../src/session/turn-diff-text.ts";

const plain = colorsFor({ isTTY: false }, {});
const at = (events: SessionEvent[]): DeliveredEvent[] => events.map((e, i) => ({ ...e, at: i }));
const user = (text: string): SessionEvent => ({ type: "message", role: "user", text });
const agent = (text: string): SessionEvent => ({ type: "message", role: "assistant", text });
const call = (name: string, args = "{}"): SessionEvent => ({
  type: "tool_call",
  name,
  callId: `call_${name}`,
  arguments: args,
});
const output = (name: string): SessionEvent => ({
  type: "tool_output",
  name,
  callId: `call_${name}`,
  output: "ok",
  isError: false,
});

const weather = { name: "lookup_weather", arguments: '{"location":"Paris"}' };

describe("pastTurns", () => {
  test("user messages in order, each with the replies and tool calls up to the next; no greeting turn", () => {
    const history = at([
      agent("Hello!"),
      user("what's the weather in Paris?"),
      call("lookup_weather", weather.arguments),
      output("lookup_weather"),
      agent("The weather in Paris is sunny."),
      user("transfer me"),
      call("transfer_to_billing"),
      { type: "handoff", from: "echo_agent", to: "billing_agent" },
      agent("Hi, billing here."),
      agent("How can I help?"),
      user("silence please"),
    ]);
    expect(pastTurns(history)).toEqual([
      {
        text: "what's the weather in Paris?",
        before: { reply: "The weather in Paris is sunny.", tools: [weather] },
      },
      {
        text: "transfer me",
        before: {
          reply: "Hi, billing here.\nHow can I help?",
          tools: [{ name: "transfer_to_billing", arguments: "{}" }],
        },
      },
      { text: "silence please", before: { reply: "", tools: [] } },
    ]);
    expect(pastTurns(at([agent("Hello!")]))).toEqual([]);
  });
});

describe("compareTurn", () => {
  const past = { text: "what's the weather in Paris?", before: { reply: "sunny", tools: [weather] } };

  test("a new run of a turn: output from before it is not its own", () => {
    const events = at([
      agent("late greeting"),
      call("end_call"),
      user(past.text),
      call("lookup_weather", weather.arguments),
      agent("sunny"),
    ]);
    events[0] = { ...events[0], earlier: true } as DeliveredEvent;
    events[1] = { ...events[1], earlier: true } as DeliveredEvent;
    expect(runOf(events)).toEqual({ reply: "sunny", tools: [weather] });
  });

  test("the same reply and tools: unchanged, whatever the spacing of JSON arguments", () => {
    const spaced = { name: "lookup_weather", arguments: '{ "location": "Paris" }' };
    expect(compareTurn(1, past, { reply: "sunny", tools: [spaced] })).toMatchObject({
      changed: false,
      changes: [],
    });
  });

  test("a changed reply, changed tools, or both", () => {
    expect(compareTurn(1, past, { reply: "rainy", tools: [weather] }).changes).toEqual(["reply"]);
    const other = { name: "lookup_weather", arguments: '{"location":"Rome"}' };
    expect(compareTurn(1, past, { reply: "sunny", tools: [other] }).changes).toEqual(["tools"]);
    expect(compareTurn(1, past, { reply: "", tools: [] })).toMatchObject({
      changed: true,
      changes: ["reply", "tools"],
    });
    expect(compareTurn(1, past, { reply: "sunny", tools: [weather, weather] }).changes).toEqual(["tools"]);
  });
});

describe("the diff in words", () => {
  const past = {
    text: "what's the weather in Paris?",
    before: { reply: "The weather in Paris is sunny.", tools: [weather] },
  };

  test("an unchanged turn is one line", () => {
    const same = compareTurn(2, past, past.before);
    expect(turnDiffLines(same, plain)).toEqual([`turn 2 "what's the weather in Paris?": unchanged`]);
  });

  test("a changed reply: - before, + after, every line of it; the tools said unchanged", () => {
    const d = compareTurn(1, past, { reply: "In Paris\nit is rainy.", tools: [weather] });
    expect(turnDiffLines(d, plain)).toEqual([
      `turn 1 "what's the weather in Paris?": reply changed; tools unchanged`,
      "  - The weather in Paris is sunny.",
      "  + In Paris",
      "    it is rainy.",
    ]);
  });

  test("changed tools, with their arguments; none, and no reply, said so", () => {
    const d = compareTurn(3, past, { reply: "", tools: [] });
    expect(turnDiffLines(d, plain)).toEqual([
      `turn 3 "what's the weather in Paris?": reply and tools changed`,
      "  - The weather in Paris is sunny.",
      "  + (no reply)",
      `  - tools: lookup_weather {"location":"Paris"}`,
      "  + tools: (none)",
    ]);
    const tools = compareTurn(
      4,
      { text: "bye", before: { reply: "Bye", tools: [] } },
      { reply: "Bye", tools: [{ name: "end_call", arguments: "{}" }] },
    );
    expect(turnDiffLines(tools, plain).slice(1)).toEqual(["  - tools: (none)", "  + tools: end_call"]);
  });

  test("a failed turn says why; the agent's control characters are shown, not obeyed", () => {
    const failed = { ...compareTurn(1, past, { reply: "", tools: [] }), error: "agent error: boom" };
    expect(turnDiffLines(failed, plain)).toEqual([
      `turn 1 "what's the weather in Paris?": failed: agent error: boom`,
    ]);
    const escaped = compareTurn(
      1,
      { text: "hi\x1b[2J", before: { reply: "a", tools: [] } },
      { reply: "b\x1b]0;x\x07", tools: [] },
    );
    expect(turnDiffLines(escaped, plain).join("\n")).not.toContain("\x1b");
    expect(turnDiffLines(escaped, plain)[2]).toBe("  + b\\x1b]0;x\\x07");
  });

  test("the summary counts turns", () => {
    const same = compareTurn(1, past, past.before);
    const changed = compareTurn(2, past, { reply: "x", tools: [weather] });
    expect(replaySummary([same, changed])).toBe("Replayed 2 turns: 1 changed, 1 unchanged.");
    expect(replaySummary([same])).toBe("Replayed 1 turn: 0 changed, 1 unchanged.");
  });
});
