// The one matcher: each kind of expectation against turns made of events, and what a failure shows.

import { describe, expect, test } from "bun:test";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import {
  checkGreeting,
  checkTurn,
  containsSubset,
  type Expectation,
  parsePattern,
  parseToolExpectation,
} from "../../src/session/expect.ts";
import { greetingInHistory, greetingText, judgeGreeting } from "../../src/session/greeting.ts";
import { e2eLatencyMs, observe } from "../../src/session/observed-turn.ts";

const at = (events: (SessionEvent & { earlier?: boolean })[]): DeliveredEvent[] =>
  events.map((e, i) => ({ ...e, at: i }) as DeliveredEvent);

/** The Python echo agent's weather turn, as the daemon delivers it. */
const weather = at([
  { type: "message", role: "user", text: "what's the weather in Paris?" },
  { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: '{"location": "Paris"}' },
  {
    type: "tool_output",
    name: "lookup_weather",
    callId: "c1",
    output: '"sunny with a temperature of 70 degrees."',
    isError: false,
  },
  {
    type: "message",
    role: "assistant",
    text: "The weather in Paris is sunny with a temperature of 70 degrees.",
  },
]);
const billing = at([
  { type: "tool_call", name: "transfer_to_billing", callId: "c2", arguments: "{}" },
  { type: "handoff", from: "echo_agent", to: "billing_agent" },
  { type: "message", role: "assistant", text: "Hi, this is the billing agent. How can I help?" },
]);

const check = (e: Expectation, events = weather, wallMs = 100, error?: string) =>
  checkTurn([e], observe(events, wallMs, error));
const ok = (e: Expectation, events = weather, wallMs = 100, error?: string) =>
  check(e, events, wallMs, error).results[0]?.ok;

describe("patterns", () => {
  test("/re/flags is a regex everywhere; bare text a regex for say and replay, a substring for scenarios", () => {
    expect(parsePattern("/SUNNY/i", "substring").test("it is sunny")).toBe(true);
    expect(parsePattern("sun+y", "regex").test("sunny")).toBe(true);
    expect(parsePattern("sun+y", "substring").test("sunny")).toBe(false);
    expect(parsePattern("a.b", "substring").test("a.b")).toBe(true);
    expect(parsePattern("Sunny", "substring").test("sunny")).toBe(false);
  });

  test("a g flag keeps no state from one test to the next", () => {
    const p = parsePattern("/sunny/g", "regex");
    expect([p.test("sunny"), p.test("sunny")]).toEqual([true, true]);
  });

  test("a regex that does not compile is a UserError naming it", () => {
    expect(() => parsePattern("/(unclosed/", "substring")).toThrow('invalid expectation "/(unclosed/"');
  });
});

describe("tool", () => {
  test("by name, with an argument subset, with an output (unquoted) text or regex", () => {
    expect(ok({ kind: "tool", name: "lookup_weather" })).toBe(true);
    expect(ok({ kind: "tool", name: "lookup_weather", args: { location: "Paris" } })).toBe(true);
    expect(ok({ kind: "tool", name: "lookup_weather", args: { location: "London" } })).toBe(false);
    expect(ok({ kind: "tool", name: "lookup_weather", output: parsePattern("/^sunny/", "substring") })).toBe(
      true,
    );
    expect(ok({ kind: "tool", name: "lookup_weather", output: parsePattern("rainy", "substring") })).toBe(
      false,
    );
    expect(ok({ kind: "tool", name: "end_call" })).toBe(false);
  });

  test("a failing tool's raised error counts as its output", () => {
    const failed = at([
      { type: "tool_call", name: "check_inventory", callId: "c", arguments: "{}" },
      {
        type: "tool_output",
        name: "check_inventory",
        callId: "c",
        output: "An internal error occurred",
        isError: true,
        error: "inventory service unavailable",
      },
    ]);
    const output = parsePattern("unavailable", "substring");
    expect(ok({ kind: "tool", name: "check_inventory", output }, failed)).toBe(true);
  });

  test("the failure shows every call with its actual arguments and output", () => {
    const result = check({ kind: "tool", name: "lookup_weather", args: { location: "London" } });
    expect(result.error?.exitCode).toBe(2);
    expect(result.error?.message).toBe(
      'expectation failed: expected a call to lookup_weather with arguments containing {"location":"London"}',
    );
    expect(result.error?.detail).toContain(
      '    lookup_weather {"location": "Paris"} → sunny with a temperature of 70 degrees.',
    );
  });

  test("no_tool", () => {
    expect(ok({ kind: "no_tool", name: "transfer_to_billing" })).toBe(true);
    expect(ok({ kind: "no_tool", name: "transfer_to_billing" }, billing)).toBe(false);
  });

  test("--expect-tool NAME[:JSON]", () => {
    expect(parseToolExpectation("lookup_weather")).toEqual({ kind: "tool", name: "lookup_weather" });
    expect(parseToolExpectation('lookup_weather:{"location":"Paris"}')).toEqual({
      kind: "tool",
      name: "lookup_weather",
      args: { location: "Paris" },
    });
    expect(() => parseToolExpectation("lookup_weather:{location}")).toThrow("the arguments are not JSON");
    expect(() => parseToolExpectation("lookup_weather:[1]")).toThrow("must be a JSON object");
    expect(() => parseToolExpectation(":{}")).toThrow("needs a tool name");
  });
});

describe("subset match", () => {
  test("objects by their keys, recursively; arrays element by element; values exactly", () => {
    const actual = { a: 1, b: { c: "x", d: [1, { e: true }] }, f: null };
    expect(containsSubset(actual, {})).toBe(true);
    expect(containsSubset(actual, { b: { d: [1, { e: true }] } })).toBe(true);
    expect(containsSubset(actual, { f: null })).toBe(true);
    expect(containsSubset(actual, { b: { d: [1] } })).toBe(false);
    expect(containsSubset(actual, { a: "1" })).toBe(false);
    expect(containsSubset(actual, { g: undefined })).toBe(false);
    expect(containsSubset("not an object", { a: 1 })).toBe(false);
  });
});

describe("reply, handoff, error, latency", () => {
  test("reply and its negation; earlier output is not the turn's reply", () => {
    const sunny = parsePattern("sunny", "substring");
    expect(ok({ kind: "reply", pattern: sunny, negated: false })).toBe(true);
    expect(ok({ kind: "reply", pattern: sunny, negated: true })).toBe(false);
    const earlier = at([{ type: "message", role: "assistant", text: "sunny", earlier: true }]);
    expect(ok({ kind: "reply", pattern: sunny, negated: false }, earlier)).toBe(false);
  });

  test("a reply-only failure keeps say's message and lines", () => {
    const result = check({ kind: "reply", pattern: parsePattern("rainy", "regex"), negated: false });
    expect(result.error?.message).toBe("expectation failed: the agent's reply did not match");
    expect(result.error?.detail.slice(0, 3)).toEqual([
      "- expected to match: rainy",
      "+ the agent replied:",
      "    The weather in Paris is sunny with a temperature of 70 degrees.",
    ]);
  });

  test("handoff to an agent, from one when given", () => {
    expect(ok({ kind: "handoff", to: "billing_agent" }, billing)).toBe(true);
    expect(ok({ kind: "handoff", to: "billing_agent", from: "echo_agent" }, billing)).toBe(true);
    expect(ok({ kind: "handoff", to: "billing_agent", from: "other" }, billing)).toBe(false);
    expect(ok({ kind: "handoff", to: "billing_agent" })).toBe(false);
    expect(check({ kind: "handoff", to: "x" }, billing).error?.detail).toContain(
      "+ handoff: echo_agent → billing_agent",
    );
  });

  test("error: an agent error, from the turn's failure or an error event", () => {
    expect(ok({ kind: "error", expected: false })).toBe(true);
    expect(ok({ kind: "error", expected: true })).toBe(false);
    expect(ok({ kind: "error", expected: true }, weather, 1, "agent error: boom")).toBe(true);
    const reported = at([{ type: "error", message: "llm failed" }]);
    expect(ok({ kind: "error", expected: false }, reported)).toBe(false);
    expect(check({ kind: "error", expected: false }, reported).error?.detail).toContain(
      "+ agent error: llm failed",
    );
  });

  test("latency: the turn's wall time under its bound; e2e from the agent's metrics, failing when absent", () => {
    expect(ok({ kind: "latency", turnMs: 60_000 }, weather, 150)).toBe(true);
    expect(ok({ kind: "latency", turnMs: 1 }, weather, 150)).toBe(false);
    expect(ok({ kind: "latency", e2eMs: 2000 })).toBe(false);
    const measured = weather.map((e) =>
      e.type === "message" && e.role === "assistant" ? { ...e, metrics: { e2eLatencyMs: 800 } } : e,
    );
    expect(e2eLatencyMs(observe(measured, 1))).toBe(800);
    expect(ok({ kind: "latency", e2eMs: 2000 }, measured)).toBe(true);
    expect(ok({ kind: "latency", e2eMs: 500 }, measured)).toBe(false);
    expect(check({ kind: "latency", turnMs: 1 }, weather, 150).error?.detail).toContain(
      "+ latency: turn 150 ms, e2e not reported",
    );
  });
});

describe("the greeting", () => {
  const hello = { kind: "reply", pattern: parsePattern("/hello/i", "regex"), negated: false } as const;
  const noError = { kind: "reply", pattern: parsePattern("error", "regex"), negated: true } as const;

  test("each expectation against what the agent said at start", () => {
    const ok = checkGreeting([hello, noError], "Hello! I'm the echo agent.");
    expect(ok.error).toBeUndefined();
    expect(ok.results.map((r) => [r.expected, r.ok])).toEqual([
      ["a greeting matching /hello/i", true],
      ["a greeting not matching error", true],
    ]);
  });

  test("a mismatch: exit 2, what was expected and what the agent said, as a turn's failure reads", () => {
    const { error } = checkGreeting([hello, noError], "An error occurred.\nSorry.");
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toBe("expectation failed: the agent's greeting did not match");
    expect(error?.detail).toEqual([
      "- expected to match: /hello/i",
      "- must not match: error",
      "+ the agent greeted:",
      "    An error occurred.",
      "    Sorry.",
    ]);
  });

  test("no greeting at all fails every check, a negated one too: a greeting check expects a greeting", () => {
    const { results, error } = checkGreeting([noError], undefined);
    expect(results.map((r) => r.ok)).toEqual([false]);
    expect(error?.message).toBe("expectation failed: the agent did not greet");
    expect(error?.detail).toEqual([
      "- must not match: error",
      "+ the agent said nothing on its own before the first turn",
    ]);
  });

  test("the greeting's text: the agent's messages; in a history, what came before the first user message", () => {
    const history = at([
      { type: "handoff", to: "echo_agent" },
      { type: "message", role: "assistant", text: "Hello!" },
      { type: "message", role: "assistant", text: "Ask me." },
      { type: "message", role: "user", text: "hi" },
      { type: "message", role: "assistant", text: "hi" },
    ]);
    expect(greetingText(greetingInHistory(history))).toBe("Hello!\nAsk me.");
    expect(greetingText(at([{ type: "handoff", to: "echo_agent" }]))).toBeUndefined();
    const judged = judgeGreeting({ line: 3, expectations: [hello] }, greetingInHistory(history), "history");
    expect(judged.record).toMatchObject({ line: 3, source: "history", text: "Hello!\nAsk me.", ok: true });
    expect(judgeGreeting({ line: 1, expectations: [hello] }, [], "start").record.text).toBeNull();
  });
});
