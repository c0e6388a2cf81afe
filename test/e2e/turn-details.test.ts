// What a turn tells besides its text (issue 15): metrics and usage, the agent's log lines under
// their step, tool start/end events, and silent turns; through dist/lk, with the real Python and
// Node echo agents and, for what they cannot produce, the fake agent.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanupAll, type RunResult, Sandbox } from "../helpers/lk.ts";
import { NODE_AGENT, PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
afterAll(cleanupAll);

type Json = Record<string, unknown> & { type?: string };

/** The NDJSON of a --json run: its events and its one result line (nothing on stderr). */
function json(run: RunResult): { events: Json[]; result: Json } {
  const lines = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Json);
  const result = lines.at(-1) as Json;
  expect(result.kind).toBe("result");
  expect(result.exitCode).toBe(run.code);
  expect(lines.slice(0, -1).every((l) => l.kind === "event")).toBe(true);
  expect(run.stderr).toBe("");
  return { events: result.events as Json[], result };
}

/** Where each needle first appears in the text, in the order given (-1: missing). */
const positions = (text: string, ...needles: string[]) => needles.map((n) => text.indexOf(n));
const ordered = (xs: number[]) => xs.every((x, i) => x >= 0 && (i === 0 || x > (xs[i - 1] as number)));

const ECHO_CALL = { kind: "llm", provider: "echo", model: "echo-1" };

for (const agent of [NODE_AGENT, PYTHON_AGENT]) {
  describe(`${agent.name} echo agent: a turn's details`, () => {
    let box: Sandbox;
    beforeAll(async () => {
      requireInstalled(agent);
      box = await Sandbox.create();
      const start = await box.session(["start", agent.entry], {
        cwd: agent.dir,
        env: { ECHO_AGENT_NO_GREETING: "1" },
      });
      expect(start.code, start.output).toBe(0);
    }, SLOW);
    afterAll(async () => {
      if (box) await box.cleanup();
    });

    test("--json: metrics on the reply, the turn's usage (two LLM calls), turnMs, silent: false", async () => {
      const { events, result } = json(await box.session(["say", "what's the weather in Paris?", "--json"]));
      const replyEvent = events.find((e) => e.type === "message" && e.role === "assistant");
      expect(typeof (replyEvent?.metrics as Json | undefined)?.llmTtftMs).toBe("number");
      expect(result).toMatchObject({ ok: true, silent: false, reply: expect.stringContaining("sunny") });
      expect(result.usage).toEqual([{ ...ECHO_CALL, inputTokens: 20, outputTokens: 10 }]);
      expect(typeof result.turnMs).toBe("number");
      expect(typeof result.durationMs).toBe("number");
      // Not asked for: no log lines.
      expect(events.some((e) => e.type === "log")).toBe(false);
    });

    test("--metrics ends the turn with one line; without it the text has none", async () => {
      const plain = await box.session(["say", "hello there"]);
      expect(plain.stdout).not.toContain("tokens (echo/echo-1)");
      const withMetrics = await box.session(["say", "hello there", "--metrics"]);
      expect(withMetrics.code).toBe(0);
      const last = withMetrics.stdout.trimEnd().split("\n").at(-1) as string;
      expect(last).toMatch(/^ {2}ttft [\d.]+ m?s · 10 → 5 tokens \(echo\/echo-1\) · turn [\d.]+ m?s$/);
      expect(withMetrics.stdout.replace(`${last}\n`, "")).toBe(plain.stdout);
    });

    test("--logs: the tool's own log line is shown under the tool, and is a log event in JSON", async () => {
      const say = await box.session(["say", "what's the weather in Lisbon?", "--logs"]);
      expect(say.code).toBe(0);
      const text = say.stdout;
      expect(
        ordered(
          positions(
            text,
            "● function_tool: lookup_weather",
            "✓ sunny with a temperature of 70 degrees.",
            "looking up the weather in Lisbon",
            "● Agent",
          ),
        ),
      ).toBe(true);
      expect(text.split("\n").find((l) => l.includes("looking up the weather in Lisbon"))).toMatch(/^ {4}│ /);
      // Only a say that asks shows log lines.
      expect((await box.session(["say", "what's the weather in Lisbon?"])).stdout).not.toContain("│");

      const { events } = json(await box.session(["say", "what's the weather in Rome?", "--logs", "--json"]));
      const line = events.find(
        (e) => e.type === "log" && String(e.line).includes("looking up the weather in Rome"),
      );
      expect(line).toMatchObject({ type: "log", stream: "stdout", at: expect.any(Number) });
      expect(line).not.toHaveProperty("earlier");
    });

    test("a slow tool: nothing extra in a pipe; tool_started/tool_ended in JSON where the agent reports them", async () => {
      const pipe = await box.session(["say", "slowly: what's the weather in Oslo?"]);
      expect(pipe.code).toBe(0);
      expect(pipe.stdout).not.toContain("⋯");
      expect(pipe.stdout).toContain("✓ sunny with a temperature of 70 degrees.");

      const { events } = json(await box.session(["say", "slowly: what's the weather in Oslo?", "--json"]));
      const started = events.filter((e) => e.type === "tool_started");
      const ended = events.filter((e) => e.type === "tool_ended");
      if (agent.name === "python") {
        // Python reports tool_execution_updated started / ended around each call.
        expect(started).toEqual([
          expect.objectContaining({
            name: "lookup_weather",
            arguments: expect.stringContaining('"slow": true'),
          }),
        ]);
        expect(ended).toEqual([
          expect.objectContaining({ name: "lookup_weather", status: "done", callId: started[0]?.callId }),
        ]);
        const call = events.findIndex((e) => e.type === "tool_call");
        expect(events.indexOf(started[0] as Json)).toBeLessThan(call);
      } else {
        // @livekit/agents 1.9 reports a tool only once it has run (function_tools_executed).
        expect(started).toEqual([]);
        expect(ended).toEqual([]);
      }
    });

    test("a silent turn: (no reply), exit 0; --json silent: true, with the LLM call's usage", async () => {
      const say = await box.session(["say", "please stay silent"]);
      expect(say.code, say.output).toBe(0);
      expect(say.stdout).toContain("(no reply)");
      expect(say.stderr).toBe("");
      const { result } = json(await box.session(["say", "please stay silent", "--json"]));
      expect(result).toMatchObject({ ok: true, exitCode: 0, silent: true, reply: "" });
      expect(result.usage).toEqual([{ ...ECHO_CALL, inputTokens: 10, outputTokens: 5 }]);
    });

    test("status carries the session's cumulative usage", async () => {
      const status = json(await box.session(["status", "--json"])).result.status as Json;
      const [llm] = status.usage as Json[];
      expect(llm).toMatchObject(ECHO_CALL);
      const input = llm?.inputTokens as number;
      expect(input).toBeGreaterThanOrEqual(10 * 12);
      expect(input % 10).toBe(0);
      expect(llm?.outputTokens).toBe(input / 2);
    });

    test("end's closing summary has the session's whole usage: what status last had", async () => {
      const usage = json(await box.session(["status", "--json"])).result.status as Json;
      const { result } = json(await box.session(["end", "--json"]));
      expect((result.summary as Json).usage).toEqual(usage.usage);
      const [llm] = usage.usage as Json[];
      expect(llm).toEqual({
        ...ECHO_CALL,
        inputTokens: expect.any(Number),
        outputTokens: expect.any(Number),
      });
    });
  });
}

describe("python echo agent: a failing tool's traceback", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));
  test(
    "say --logs shows it right under the tool's ✗",
    async () => {
      const box = await Sandbox.create();
      try {
        const start = await box.session(["start", "agent.py"], {
          cwd: PYTHON_AGENT.dir,
          env: { ECHO_AGENT_NO_GREETING: "1" },
        });
        expect(start.code, start.output).toBe(0);
        const say = await box.session(["say", "this will fail", "--logs"]);
        expect(say.code).toBe(0);
        expect(
          ordered(
            positions(
              say.stdout,
              "✗ An internal error occurred (inventory service unavailable)",
              "│ Traceback (most recent call last):",
              "│ RuntimeError: inventory service unavailable",
              "● Agent",
            ),
          ),
        ).toBe(true);
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});

describe("fake agent: what the echo agents cannot produce", () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
  });
  afterAll(async () => {
    await box.cleanup();
  });

  test("every metric, and TTS/STT usage beside the LLM's; the --metrics line", async () => {
    const { events, result } = json(await box.session(["say", "hi !metrics !usage", "--json"]));
    expect(events.find((e) => e.type === "message" && e.role === "assistant")?.metrics).toEqual({
      llmTtftMs: 412,
      ttsTtfbMs: 200,
      e2eLatencyMs: 1310,
      llmTokensPerSecond: 48.5,
      llmTtfsMs: 500,
      transcriptionDelayMs: 100,
      endOfTurnDelayMs: 250,
      onUserTurnCompletedDelayMs: 10,
    });
    expect(result.usage).toEqual([
      {
        kind: "llm",
        provider: "openai",
        model: "gpt-4o-mini",
        inputTokens: 10,
        cachedTokens: 4,
        outputTokens: 5,
      },
      { kind: "tts", provider: "cartesia", model: "sonic-2", characters: 42, audioSeconds: 1.5 },
      { kind: "stt", provider: "deepgram", model: "nova-3", audioSeconds: 2.5 },
    ]);
    const text = await box.session(["say", "again !metrics !usage", "-v"]);
    expect(text.stdout).toMatch(
      /\n {2}ttft 412 ms · tts 200 ms · e2e 1\.31 s · 10 → 5 tokens, 4 cached \(openai\/gpt-4o-mini\) · TTS 42 chars, 1\.5 s audio \(cartesia\/sonic-2\) · STT 2\.5 s audio \(deepgram\/nova-3\) · turn [\d.]+ m?s\n$/,
    );
  });

  test("an agent that sends no metrics or usage: the fields are absent, never zero", async () => {
    const { events, result } = json(await box.session(["say", "plain", "--json"]));
    expect(events.some((e) => "metrics" in e)).toBe(false);
    expect(result).not.toHaveProperty("usage");
    expect(result).toMatchObject({ silent: false, turnMs: expect.any(Number) });
  });

  test("a tool started twice over (function_tools_started and tool_execution_updated) is one tool_started", async () => {
    const { events } = json(await box.session(["say", "go !tool 50", "--logs", "--json"]));
    expect(events.filter((e) => e.type === "tool_started")).toEqual([
      expect.objectContaining({ name: "slow_tool", arguments: "{}" }),
    ]);
    expect(events.filter((e) => e.type === "tool_ended")).toEqual([
      expect.objectContaining({ name: "slow_tool", status: "done", message: "done" }),
    ]);
    const logs = events.filter((e) => e.type === "log");
    expect(logs).toContainEqual(
      expect.objectContaining({ line: "fake-agent: slow_tool working", stream: "stdout" }),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({ line: "fake-agent: slow_tool warning", stream: "stderr" }),
    );
  });

  test("Node's no-reply answer is a silent turn; with an error reported in the turn it is a failure", async () => {
    const silent = await box.session(["say", "!noreply"]);
    expect(silent.code).toBe(0);
    expect(silent.stdout).toContain("(no reply)");
    const failed = await box.session(["say", "!noreply-error", "--json"]);
    expect(failed.code).toBe(1);
    const { result } = json(failed);
    expect(result).toMatchObject({ ok: false, error: "agent error: agent produced no response items" });
    expect(result).not.toHaveProperty("silent");
  });

  test("bad input: --logs takes no value; under --json one result line", async () => {
    const bad = await box.session(["say", "hi", "--logs=maybe", "--json"]);
    expect(bad.code).toBe(1);
    const lines = bad.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      ok: false,
      error: "--logs takes no value (got --logs=maybe)",
    });
  });
});
