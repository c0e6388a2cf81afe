// Issue 15's "who is speaking, and with what", the session that ends itself, the closing summary and
// the live events feed, through dist/lk with the protocol-level fake agent.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, processAlive, type RunResult, Sandbox } from "../helpers/lk.ts";
import { watch } from "../helpers/watch.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});
afterAll(cleanupAll);

const TOOLS = "lookup_weather, transfer_to_billing, check_inventory, end_call";

/** Every stdout line as JSON; the last one is the result. */
function jsonLines(run: RunResult): Record<string, unknown>[] {
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("who is speaking, and with what", () => {
  test("start names the agent and its tools; --json carries agentInfo", async () => {
    const start = await box.startFake();
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`Agent "echo_agent" with 4 tools: ${TOOLS}.\nSession started.`);
    await box.session(["end"]);

    const json = jsonLines(await box.startFake({}, ["--json"])).at(-1) as Record<string, unknown>;
    expect(json.agentInfo).toEqual({
      id: "echo_agent",
      tools: TOOLS.split(", "),
      instructions: "You are the echo agent.\nRepeat what the user says.",
    });
  });

  test("status shows the active agent after a handoff, its tools and the first line of its instructions", async () => {
    expect((await box.startFake()).code).toBe(0);
    expect((await box.session(["say", "transfer me to billing"])).code).toBe(0);
    const status = await box.session(["status"]);
    expect(status.stdout).toContain("active agent: billing_agent (listening)");
    expect(status.stdout).toContain(`tools:        ${TOOLS}`);
    expect(status.stdout).toContain("instructions: You are the billing agent. …");
    const json = jsonLines(await box.session(["status", "--json"])).at(-1) as {
      status: Record<string, unknown>;
    };
    expect(json.status.agentInfo).toEqual({
      id: "billing_agent",
      tools: TOOLS.split(", "),
      instructions: "You are the billing agent.\nHelp with invoices and payments.",
    });
  });

  test("an agent that does not answer GetAgentInfo still starts, without the summary", async () => {
    const start = await box.startFake({ FAKE_NO_AGENT_INFO: "1" });
    expect(start.code).toBe(0);
    expect(start.stdout).not.toContain('Agent "');
    const status = await box.session(["status"]);
    expect(status.stdout).toContain("active agent: echo_agent (listening)");
    expect(status.stdout).not.toContain("tools:");
  });

  test("restart prints the same summary as start", async () => {
    expect((await box.startFake()).code).toBe(0);
    const restart = await box.session(["restart"]);
    expect(restart.code).toBe(0);
    expect(restart.stdout).toContain(`Agent "echo_agent" with 4 tools: ${TOOLS}.\nSession restarted.`);
    // It keeps the idle timeout, or takes a new one.
    expect((await box.session(["status"])).stdout).toContain("idle timeout: 30m (");
    expect((await box.session(["restart", "--idle-timeout", "0"])).code).toBe(0);
    expect((await box.session(["status"])).stdout).toContain("idle timeout: none");
  });
});

/** Waits (without sending any command) until the process is gone; false if it never goes. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 3000 && processAlive(pid); i++) await Bun.sleep(10);
  return !processAlive(pid);
}

describe("a session that ends itself", () => {
  test("--idle-timeout 2s: agent and daemon end cleanly, logs kept, and the next say says why and when", async () => {
    const start = jsonLines(await box.startFake({}, ["--idle-timeout", "2s", "--json"])).at(-1) as {
      daemonPid: number;
      agentPid: number;
      agentLog: string;
    };
    expect(await gone(start.daemonPid)).toBe(true);
    expect(processAlive(start.agentPid)).toBe(false);
    expect(await portIsFree(box.port)).toBe(true);
    expect(readFileSync(start.agentLog, "utf8")).toContain("fake-agent: connected");
    expect(readFileSync(join(box.stateDir, `session-${box.port}.daemon.log`), "utf8")).toContain(
      "it was idle, with no command for 2s",
    );

    const say = await box.session(["say", "hello?"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toMatch(
      new RegExp(
        `^the session on 127\\.0\\.0\\.1:${box.port} ended at \\d\\d:\\d\\d:\\d\\d: it was idle, with no command for 2s \\(--idle-timeout; 0: never\\)\n`,
      ),
    );
    expect(say.stderr).toContain(`full agent log: ${start.agentLog}`);
    // Nothing went wrong: no "last lines" of the agent's output.
    expect(say.stderr).not.toContain("agent output (last lines)");
    const json = jsonLines(await box.session(["status", "--json"]));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ ok: false, exitCode: 1 });
    expect(json[0]?.error).toContain("it was idle");

    // The next start on the port is a fresh session: the explanation goes.
    expect((await box.startFake()).code).toBe(0);
    expect(existsSync(join(box.stateDir, `session-${box.port}.ended.json`))).toBe(false);
    expect((await box.session(["say", "hi again"])).code).toBe(0);
  });

  test("LK_SESSION_IDLE_TIMEOUT sets it, 0 means never, and status shows it", async () => {
    expect((await box.startFake({ LK_SESSION_IDLE_TIMEOUT: "0" })).code).toBe(0);
    expect((await box.session(["status"])).stdout).toContain("idle timeout: none");
    await box.session(["end"]);
    expect((await box.startFake({ LK_SESSION_IDLE_TIMEOUT: "1h30m" })).code).toBe(0);
    expect((await box.session(["status"])).stdout).toContain("idle timeout: 1h30m (the session ends");
    const bad = await box.startFake({}, ["--idle-timeout", "later"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "--idle-timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds (0: never)",
    );
  });
});

describe("end says how it went", () => {
  test("the closing summary: turns, duration, the active agent at the end, where the kept log is", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "weather in Oslo?"]);
    await box.session(["say", "transfer me to billing"]);
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    const log = join(box.stateDir, `session-${box.port}.agent.log`);
    expect(end.stdout).toMatch(
      new RegExp(
        "^Session ended\\.\\n  turns: +2\\n  duration: +\\d+m?s\\n  active agent: billing_agent\\n" +
          `  logs kept: +${log.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}  \\(lk agent session logs --port ${box.port} --run last to read them\\)\\n$`,
      ),
    );
    expect(readFileSync(log, "utf8")).toContain("fake-agent: turn: transfer me to billing");
  });

  test("--json: the summary in the one result line", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "hello"]);
    const lines = jsonLines(await box.session(["end", "--json"]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      command: "end",
      ok: true,
      summary: {
        turns: 1,
        agentId: "echo_agent",
        agentLog: join(box.stateDir, `session-${box.port}.agent.log`),
      },
    });
    // This agent reported no usage: none in the summary, never zeros.
    expect(lines[0]?.summary).not.toHaveProperty("usage");
  });

  test("the session's whole usage: a row in the text, every model in --json", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "hello !usage"]);
    await box.session(["say", "again !usage"]);
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    expect(end.stdout).toContain(
      "  active agent: echo_agent\n  usage:        20 → 10 tokens, 8 cached (openai/gpt-4o-mini) · TTS 84 chars, 3.0 s audio (cartesia/sonic-2) · STT 5.0 s audio (deepgram/nova-3)\n  logs kept:",
    );

    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "hello !usage"]);
    const lines = jsonLines(await box.session(["end", "--json"]));
    expect(lines[0]?.summary).toMatchObject({
      usage: [
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
      ],
    });
  });

  test("--chat-history prints the conversation first; --logs the agent's whole log, up to its last line", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "weather in Lima?"]);
    const end = await box.session(["end", "--chat-history", "--logs"]);
    expect(end.code).toBe(0);
    const out = end.stdout;
    const you = out.indexOf("● You\n    weather in Lima?");
    const tool = out.indexOf("● function_tool: lookup_weather");
    const first = out.indexOf("fake-agent: starting, pid");
    const turn = out.indexOf("fake-agent: turn: weather in Lima?");
    const ended = out.indexOf("Session ended.");
    expect(you).toBeGreaterThanOrEqual(0);
    expect(you < tool && tool < first && first < turn && turn < ended).toBe(true);
    expect(out).toContain("The weather in Lima is sunny");
    expect(out).toContain("active agent: echo_agent");

    expect((await box.startFake()).code).toBe(0);
    const json = jsonLines(await box.session(["end", "--chat-history", "--logs", "--json"]));
    expect(json.at(-1)).toMatchObject({ command: "end", ok: true, events: [] });
    expect(json.filter((l) => l.kind === "log").length).toBeGreaterThan(0);
  });
});

describe("events: a live feed", () => {
  test("--last replays recent events, then follows a say run by another process, for several clients at once", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "weather in Rome?"]);
    const text = watch(box, ["events", "--last", "3", "--logs"]);
    const json = watch(box, ["events", "-n", "2", "--json"]);
    // Both have replayed what they asked for before the next turn.
    expect(await text.until("Agent: The weather in Rome is sunny")).toBe(true);
    expect(await json.until('"agent":"listening"')).toBe(true);

    const say = await box.session(["say", "transfer me to billing"]);
    expect(say.code).toBe(0);
    expect(await text.until("Agent: Hi, this is the billing agent.")).toBe(true);
    expect(await json.until("Hi, this is the billing agent.")).toBe(true);

    const t = await text.interrupt();
    expect(t.code).toBe(0);
    expect(t.stderr).toBe("");
    const lines = t.stdout.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\S/);
    // The last 3 kept events, then the turn as it happened, log lines among them.
    expect(lines.slice(0, 3).map((l) => l.slice(14))).toEqual([
      "agent state: speaking",
      "Agent: The weather in Rome is sunny with a temperature of 70 degrees.",
      "agent state: listening",
    ]);
    for (const expected of [
      "You: transfer me to billing",
      "log stdout: fake-agent: turn: transfer me to billing",
      "agent state: thinking",
      "function_tool: transfer_to_billing",
      "handoff: echo_agent → billing_agent",
      "Agent: Hi, this is the billing agent. How can I help?",
    ])
      expect(lines.some((l) => l.slice(14) === expected)).toBe(true);

    const j = await json.interrupt();
    expect(j.code).toBe(0);
    const parsed = jsonLines(j);
    expect(parsed.at(-1)).toMatchObject({ kind: "result", command: "events", ok: true, exitCode: 0 });
    const events = parsed.filter((l) => l.kind === "event").map((l) => l.event as Record<string, unknown>);
    // NDJSON has no log lines unless asked.
    expect(events.some((e) => e.type === "log")).toBe(false);
    expect(events.filter((e) => e.type === "handoff")).toEqual([
      expect.objectContaining({ from: "echo_agent", to: "billing_agent" }),
    ]);
  });

  test("takes no part: output between turns is still the next say's, and the feed ends (exit 0) with the session", async () => {
    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "!background 100 later"]);
    // Replayed if it came before the feed started, else seen live.
    const feed = watch(box, ["events", "--last", "5"]);
    expect(await feed.until("Agent: background reply")).toBe(true);
    const next = await box.session(["say", "and now?"]);
    expect(next.stdout).toContain("● Agent (before this turn)\n    background reply");
    expect((await box.session(["end"])).code).toBe(0);
    const run = await feed.finished();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/session ended: end requested\n$/);
  });

  test("no session: exit 1; a bad --last is refused with one JSON line", async () => {
    const none = await box.session(["events"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no session running");
    const bad = await box.session(["events", "--last", "9999", "--json"]);
    expect(bad.code).toBe(1);
    expect(jsonLines(bad)).toEqual([
      expect.objectContaining({ ok: false, error: expect.stringContaining("--last") }),
    ]);
  });
});
