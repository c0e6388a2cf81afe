// What a turn adds to the text: log lines under their step, a live line for slow tools on a
// terminal, "(no reply)"-free event rendering, and the --metrics line.

import { describe, expect, test } from "bun:test";
import type { SayData } from "../../src/protocol/control.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import { formatMs, metricsLine } from "../../src/render/metrics.ts";
import { colorsFor, TextRenderer } from "../../src/render/text.ts";
import { SHOW_AFTER_MS, ToolProgress } from "../../src/render/tool-progress.ts";

const plain = colorsFor({ isTTY: false }, {});
const at = 0;
const log = (line: string, extra: Partial<DeliveredEvent> = {}): DeliveredEvent =>
  ({ type: "log", line, stream: "stdout", at, ...extra }) as DeliveredEvent;

function render(events: DeliveredEvent[], options = {}): string {
  let out = "";
  const r = new TextRenderer((t) => (out += t), plain, options);
  for (const e of events) r.event(e);
  r.finish();
  return out;
}

const weatherTurn: DeliveredEvent[] = [
  { type: "message", role: "user", text: "weather?", at },
  { type: "state", agent: "thinking", at },
  { type: "tool_started", name: "lookup_weather", callId: "c1", arguments: "{}", at },
  log("looking up the weather in Paris"),
  log("Traceback: boom", { stream: "stderr" }),
  { type: "tool_ended", name: "lookup_weather", callId: "c1", status: "done", at },
  { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: "{}", at },
  { type: "tool_output", name: "lookup_weather", callId: "c1", output: '"sunny"', isError: false, at },
  log("tool finished"),
  { type: "state", agent: "speaking", at },
  { type: "message", role: "assistant", text: "It is sunny.", at },
];

describe("log lines", () => {
  test("a tool's lines, which come before its event, are shown under its ✓; later ones before the next step", () => {
    expect(render(weatherTurn)).toBe(
      [
        "",
        "  ● You",
        "    weather?",
        "",
        "  ● function_tool: lookup_weather",
        "    ✓ sunny",
        "    │ looking up the weather in Paris",
        "    │ Traceback: boom",
        "    │ tool finished",
        "",
        "  ● Agent",
        "    It is sunny.",
        "",
      ].join("\n"),
    );
  });

  test("without a tool, the turn's lines come before the reply; the last ones at the end", () => {
    const out = render([
      { type: "message", role: "user", text: "hi", at },
      log("thinking about it"),
      { type: "message", role: "assistant", text: "hi", at },
      log("done"),
    ]);
    expect(out).toBe("\n  ● You\n    hi\n    │ thinking about it\n\n  ● Agent\n    hi\n    │ done\n");
  });

  test("lines from before the turn are shown at once, under a heading of their own", () => {
    const out = render([
      log("starting", { earlier: true }),
      log("connected", { earlier: true }),
      { type: "message", role: "user", text: "hi", at },
    ]);
    expect(out).toBe(
      "\n  ● agent log (before this turn)\n    │ starting\n    │ connected\n\n  ● You\n    hi\n",
    );
  });

  test("tool start and end events show nothing in a pipe: the text is what it was without them", () => {
    const without = weatherTurn.filter((e) => e.type !== "tool_started" && e.type !== "tool_ended");
    expect(render(weatherTurn)).toBe(render(without));
    expect(render(weatherTurn)).not.toContain("⋯");
  });
});

describe("the live line of a slow tool (a fake terminal)", () => {
  test("shown once a tool has run about a second, redrawn with the time, replaced by its ✓", () => {
    let now = 0;
    let out = "";
    const r = new TextRenderer((t) => (out += t), plain, { live: true, now: () => now });
    r.event({ type: "message", role: "user", text: "slow one", at });
    r.event({ type: "tool_started", name: "lookup_weather", callId: "c1", arguments: "{}", at: 0 });
    now = SHOW_AFTER_MS - 1;
    r.event({ type: "message", role: "system", text: "not yet", at });
    expect(out).not.toContain("⋯");
    now = 2100;
    r.event({ type: "message", role: "system", text: "now", at });
    expect(out.endsWith("    ⋯ lookup_weather running 2.1 s")).toBe(true);
    r.event({ type: "tool_call", name: "lookup_weather", callId: "c1", arguments: "{}", at });
    r.event({
      type: "tool_output",
      name: "lookup_weather",
      callId: "c1",
      output: "sunny",
      isError: false,
      at,
    });
    r.finish();
    // Taken off (erase the line) before the tool's block, and not drawn again.
    expect(out).toContain(
      "  ● system\n    now\n    ⋯ lookup_weather running 2.1 s\r\x1b[2K\n  ● function_tool: lookup_weather\n    ✓ sunny\n",
    );
    expect(out.lastIndexOf("⋯")).toBeLessThan(out.indexOf("✓"));
  });

  test("ToolProgress: every running tool on one line; the timer's redraw updates it; stop takes it off", () => {
    let now = 0;
    let out = "";
    const p = new ToolProgress(
      (t) => (out += t),
      plain,
      () => now,
    );
    p.started("a", "alpha", 0);
    p.started("b", "beta", 500);
    now = 1200;
    p.redraw();
    expect(out).toBe("    ⋯ alpha running 1.2 s");
    now = 1600;
    p.redraw();
    expect(out.endsWith("\r\x1b[2K    ⋯ alpha running 1.6 s · beta running 1.1 s")).toBe(true);
    p.ended("a");
    expect(out.endsWith("\r\x1b[2K    ⋯ beta running 1.1 s")).toBe(true);
    p.stop();
    expect(out.endsWith("\r\x1b[2K")).toBe(true);
    p.redraw();
    expect(out.endsWith("\r\x1b[2K")).toBe(true);
  });
});

describe("the --metrics line", () => {
  const data: SayData = {
    turnMs: 1420,
    usage: [{ kind: "llm", provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 5 }],
  };
  test("ttft and e2e of the turn's first reply with metrics, the usage, the turn's time", () => {
    const events: DeliveredEvent[] = [
      { type: "message", role: "assistant", text: "greeting", earlier: true, metrics: { llmTtftMs: 1 }, at },
      {
        type: "message",
        role: "assistant",
        text: "reply",
        metrics: { llmTtftMs: 412, e2eLatencyMs: 1310 },
        at,
      },
    ];
    expect(metricsLine(events, data)).toBe(
      "ttft 412 ms · e2e 1.31 s · 10 → 5 tokens (openai/gpt-4o-mini) · turn 1.42 s",
    );
  });
  test("what the agent did not send is left out", () => {
    expect(metricsLine([], { turnMs: 9.5 })).toBe("turn 9.5 ms");
  });
  test("durations: tenths below 10 ms, whole ms below a second, then seconds", () => {
    expect([0.26, 9.94, 412.4, 1000, 1314].map(formatMs)).toEqual([
      "0.3 ms",
      "9.9 ms",
      "412 ms",
      "1.00 s",
      "1.31 s",
    ]);
  });
});

describe("the agent's control characters in what a turn adds", () => {
  test("log lines, a live tool line and the --metrics line show them as \\xHH, never raw", () => {
    let now = 0;
    let out = "";
    const r = new TextRenderer((t) => (out += t), plain, { live: true, now: () => now });
    r.event({ type: "message", role: "user", text: "hi", at });
    r.event(log("bell\x07 title\x1b]0;owned\x07"));
    r.event(log("earlier\x9b31m", { earlier: true }));
    r.event({ type: "tool_started", name: "peek\x07", callId: "c1", arguments: "{}", at: 0 });
    now = 2000;
    r.event({ type: "message", role: "assistant", text: "ok", at });
    r.finish();
    const shown = out.replaceAll("\r\x1b[2K", "");
    // A control character but \t and \n: none is left once the live line's own erase is taken out.
    expect(shown).not.toMatch(/(?![\t\n])\p{Cc}/u);
    expect(shown).toContain("    │ bell\\x07 title\\x1b]0;owned\\x07\n");
    expect(shown).toContain("    │ earlier\\x9b31m\n");
    expect(shown).toContain("⋯ peek\\x07 running 2.0 s");
    const usage = [
      { kind: "llm" as const, provider: "echo\x1b[2J", model: "m", inputTokens: 1, outputTokens: 2 },
    ];
    expect(metricsLine([], { turnMs: 5, usage })).toBe("1 → 2 tokens (echo\\x1b[2J/m) · turn 5.0 ms");
  });
});
