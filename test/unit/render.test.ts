import { describe, expect, test } from "bun:test";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import { colorsFor, summarizeToolOutput, TextRenderer } from "../../src/render/text.ts";

function render(events: DeliveredEvent[]): string {
  let out = "";
  const r = new TextRenderer(
    (t) => {
      out += t;
    },
    colorsFor({ isTTY: false }, {}),
  );
  for (const e of events) r.event(e);
  return out;
}
const at = 0;

describe("tool output summary", () => {
  test("JSON-encoded strings are unquoted", () => {
    expect(summarizeToolOutput('"sunny with a temperature of 70 degrees."')).toBe(
      "sunny with a temperature of 70 degrees.",
    );
  });
  test("first line only, trimmed", () => {
    expect(summarizeToolOutput("  line one  \nline two")).toBe("line one");
  });
  test("at most 120 characters, counted as characters (never cut inside one)", () => {
    const long = "é".repeat(200);
    const s = summarizeToolOutput(long);
    expect(Array.from(s).length).toBe(120);
    expect(s.endsWith("…")).toBe(true);
    const emoji = "🌤".repeat(130);
    expect(Array.from(summarizeToolOutput(emoji))).toHaveLength(120);
    expect(summarizeToolOutput("x".repeat(120))).toBe("x".repeat(120));
  });
  test("JSON objects stay as they are", () => {
    expect(summarizeToolOutput('{"temp":70}')).toBe('{"temp":70}');
  });
});

describe("text renderer", () => {
  test("the seed's blocks", () => {
    const out = render([
      { type: "message", role: "user", text: "what's the weather?", at },
      { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: "{}", at },
      { type: "tool_output", name: "lookup_weather", callId: "c1", output: '"sunny"', isError: false, at },
      { type: "message", role: "assistant", text: "It is sunny.", at },
    ]);
    expect(out).toBe(
      "\n  ● You\n    what's the weather?\n\n  ● function_tool: lookup_weather\n    ✓ sunny\n\n  ● Agent\n    It is sunny.\n",
    );
  });
  test("an error output shows ✗; an empty successful output shows nothing", () => {
    const out = render([
      { type: "tool_call", name: "a", callId: "1", arguments: "", at },
      { type: "tool_output", name: "a", callId: "1", output: "boom", isError: true, at },
      { type: "tool_call", name: "b", callId: "2", arguments: "", at },
      { type: "tool_output", name: "b", callId: "2", output: "", isError: false, at },
    ]);
    expect(out).toBe("\n  ● function_tool: a\n    ✗ boom\n\n  ● function_tool: b\n");
  });
  test("an output without its call right before gets its own title", () => {
    const out = render([
      { type: "tool_output", name: "late", callId: "9", output: "ok", isError: false, at },
    ]);
    expect(out).toBe("\n  ● function_tool: late\n    ✓ ok\n");
  });
  test("handoff; the first agent (no old one) is named as such; multi-line messages stay indented", () => {
    expect(render([{ type: "handoff", from: "a", to: "b", at }])).toBe("\n  ● handoff: a → b\n");
    expect(render([{ type: "handoff", to: "b", at }])).toBe("\n  ● agent: b\n");
    expect(render([{ type: "message", role: "assistant", text: "one\ntwo", at }])).toBe(
      "\n  ● Agent\n    one\n    two\n",
    );
  });
  test("earlier output is marked; state changes are not shown", () => {
    const out = render([
      { type: "state", agent: "thinking", at },
      { type: "message", role: "assistant", text: "hi", earlier: true, at },
    ]);
    expect(out).toBe("\n  ● Agent (before this turn)\n    hi\n");
  });

  test("output the daemon dropped is announced on a line of its own", () => {
    expect(render([{ type: "dropped", count: 3, earlier: true, at }])).toBe(
      "\n  (3 earlier events were dropped)\n",
    );
    expect(render([{ type: "dropped", count: 1, earlier: true, at }])).toBe(
      "\n  (1 earlier event was dropped)\n",
    );
  });
});

describe("colors", () => {
  const tty = { isTTY: true };
  test("a terminal gets colors, a pipe does not", () => {
    expect(colorsFor(tty, {}).isColorSupported).toBe(true);
    expect(colorsFor({ isTTY: false }, {}).isColorSupported).toBe(false);
  });
  test("NO_COLOR wins; FORCE_COLOR forces; TERM=dumb disables", () => {
    expect(colorsFor(tty, { NO_COLOR: "1" }).isColorSupported).toBe(false);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: "1" }).isColorSupported).toBe(true);
    expect(colorsFor(tty, { TERM: "dumb" }).isColorSupported).toBe(false);
    // As Node's tools read it: 0 turns them off, even on a terminal.
    expect(colorsFor(tty, { FORCE_COLOR: "0" }).isColorSupported).toBe(false);
  });
});
