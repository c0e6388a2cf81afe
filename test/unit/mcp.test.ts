// The MCP server in-process: the SDK's own client over a linked in-memory transport, the real
// commands behind the tools, and a fake session client (no daemon, no binary).

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { TrackedStream } from "../../src/cli/stdio.ts";
import { OwnedSessions } from "../../src/mcp/owned-sessions.ts";
import { eventLine } from "../../src/mcp/progress.ts";
import { createServer, failure } from "../../src/mcp/server.ts";
import { TOOLS } from "../../src/mcp/tools.ts";
import { toolsCalled } from "../../src/mcp/turn-summary.ts";
import type { StatusData } from "../../src/protocol/control.ts";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import type { SessionClient } from "../../src/session/session-client.ts";
import {
  type Answer,
  env,
  FAKE_SUMMARY,
  type FakeOptions,
  fake,
  fakeState,
} from "../helpers/fake-session.ts";
import { cleanupAll, FAKE_AGENT_DIR, tempDir } from "../helpers/lk.ts";

afterAll(cleanupAll);

const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/**
 * A connected client, the server's owned sessions, and what the fake session was asked. Without
 * `found`, a port holds a session once `start` has started one there.
 */
async function connect(opts: Partial<FakeOptions> = {}, vars: Record<string, string> = {}) {
  const f = fake({ command: "mcp", ...opts });
  const logs: string[] = [];
  const session: SessionClient = {
    ...f.io.session,
    find: async (port, how) => {
      const found = await f.io.session.find(port, how);
      if (opts.found || f.starts.some((s) => s.port === port)) return found;
      return { kind: "none", port };
    },
  };
  const { server, owned } = createServer({
    session,
    env: env({ LK_SESSION_SKIP_SDK_CHECK: "1", ...vars }, { cwd: FAKE_AGENT_DIR }),
    log: (line) => logs.push(line),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "unit", version: "0" });
  await client.connect(clientSide);
  clients.push(client);
  const call = async (name: string, args: Record<string, unknown> = {}, progress: string[] = []) =>
    (await client.callTool({ name, arguments: args }, undefined, {
      onprogress: (p) => progress.push(String(p.message)),
    })) as CallToolResult;
  return { client, call, owned, fake: f, logs };
}

const RUNNING = { found: { kind: "running", port: 8775, state: fakeState() } } as const;

const WEATHER: SessionEvent[] = [
  { type: "message", role: "user", text: "weather in Paris?" },
  { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: '{"location":"Paris"}' },
  { type: "tool_output", name: "lookup_weather", callId: "c1", output: '"sunny"', isError: false },
  { type: "handoff", from: "echo_agent", to: "billing_agent" },
  { type: "message", role: "assistant", text: "It is sunny." },
];

describe("mcp tools", () => {
  test("every tool has a description, an input schema and an output schema", async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const tool of tools) {
      expect(tool.description?.length ?? 0).toBeGreaterThan(200);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
    }
    const say = tools.find((t) => t.name === "session_say");
    expect(say?.inputSchema.required).toEqual(["text"]);
  });

  test("say: the reply, the tools called with parsed arguments, the handoff, one progress line per event", async () => {
    const { call, fake: f } = await connect({
      ...RUNNING,
      answer: (cmd) => (cmd.cmd === "say" ? { events: WEATHER } : {}),
    });
    const progress: string[] = [];
    const result = await call("session_say", { text: "weather in Paris?", timeout: 5 }, progress);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      text: "weather in Paris?",
      reply: "It is sunny.",
      tools_called: [
        { name: "lookup_weather", arguments: { location: "Paris" }, output: "sunny", is_error: false },
      ],
      handoff: { from: "echo_agent", to: "billing_agent" },
      silent: false,
    });
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
    expect(f.sent).toEqual([{ cmd: "say", text: "weather in Paris?", timeoutMs: 5000 }]);
    expect(progress).toContain('tool call: lookup_weather {"location":"Paris"}');
    expect(progress.filter((p) => !p.startsWith("waiting"))).toHaveLength(WEATHER.length);
  });

  test("say in an audio session: what the agent heard and what our side measured come too", async () => {
    const audio = {
      userMs: 1275,
      transcriptMs: 750,
      firstAudioMs: 845,
      agentMs: 3139,
      playback: { flushes: 1, finished: 1, clears: 0 },
    };
    const heard = "What's the weather in Paris";
    const { call } = await connect({
      ...RUNNING,
      answer: (cmd) =>
        cmd.cmd === "say"
          ? {
              events: [{ type: "message", role: "user", text: cmd.text, heard }],
              done: { data: { turnMs: 5000, heard, audio } } as Answer["done"],
            }
          : {},
    });
    const result = await call("session_say", { text: "what's the weather in Paris" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ heard, audio });
  });

  test("say: text that looks like an option is text; a turn with no words is silent", async () => {
    const { call, fake: f } = await connect({ ...RUNNING, answer: () => ({}) });
    const result = await call("session_say", { text: "--json -x" });
    expect(f.sent).toEqual([{ cmd: "say", text: "--json -x", timeoutMs: 120_000 }]);
    expect(result.structuredContent).toMatchObject({ reply: "", silent: true, tools_called: [] });
  });

  test("no session: an error result with the CLI's sentence, not a protocol error", async () => {
    const { call } = await connect();
    const result = await call("session_say", { text: "hi" });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([
      { type: "text", text: "no session running on 127.0.0.1:8775 (run `lk agent session start` first)" },
    ]);
  });

  test("input the schema refuses is an error result too", async () => {
    const { call } = await connect();
    const result = await call("session_say", { text: "" });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toContain("Invalid arguments for tool session_say");
  });

  test("start: the greeting as text, the agent and its tools from agentInfo; later tools default to its port", async () => {
    const greeting = [
      { type: "message", role: "assistant", text: "Hello!", at: 1, earlier: true },
    ] as DeliveredEvent[];
    const agentInfo = { id: "echo_agent", tools: ["lookup_weather", "end_call"], instructions: "Be brief." };
    const { call, owned, fake: f } = await connect({ started: { greeting, daemonPid: 77, agentInfo } });
    const started = await call("session_start", {
      entrypoint: "agent.ts",
      port: 8790,
      runtime: "bun",
      idle_timeout: 90,
    });
    expect(started.isError).toBeFalsy();
    expect(started.structuredContent).toMatchObject({
      port: 8790,
      greeting: "Hello!",
      keep: false,
      agent: {
        label: "Node.js",
        entry: "agent.ts",
        root: FAKE_AGENT_DIR,
        id: "echo_agent",
        instructions: "Be brief.",
      },
      tools: ["lookup_weather", "end_call"],
    });
    // agentInfo is in `agent` and `tools`, not twice; no other command was asked.
    expect(started.structuredContent).not.toHaveProperty("agentInfo");
    expect(f.sent).toEqual([]);
    expect(f.starts[0]).toMatchObject({ idleTimeoutMs: 90_000 });
    expect(f.starts[0]).toMatchObject({ port: 8790, entry: "agent.ts", root: FAKE_AGENT_DIR });
    expect(owned.all).toEqual([{ port: 8790, daemonPid: 77, keep: false }]);

    await call("session_say", { text: "hi" });
    await call("session_history");
    expect(f.finds.map((x) => x.port)).toEqual([8790, 8790, 8790]);
    await call("session_say", { text: "hi", port: 8791 });
    expect(f.finds.at(-1)?.port).toBe(8791);

    const ended = await call("session_end");
    expect(ended.structuredContent).toMatchObject({ port: 8790 });
    expect(owned.all).toEqual([]);
  });

  test("start: runtime args go after --, cwd is resolved from the server's folder", async () => {
    const { call, fake: f } = await connect();
    await call("session_start", { cwd: ".", runtime: "bun", runtime_args: ["--inspect"], keep: true });
    expect(f.starts[0]).toMatchObject({ port: 8775, runtimeArgs: ["--inspect"], root: FAKE_AGENT_DIR });
  });

  test("start: env is --env, each variable's value as given (= and spaces kept)", async () => {
    const { call, fake: f } = await connect();
    const env = { GREETING: "hi there", FORMULA: "a=b", OPENAI_API_KEY: "sk-1" };
    const started = await call("session_start", { runtime: "bun", env });
    expect(started.isError).toBeFalsy();
    expect(f.starts[0]?.env).toEqual(env);
  });

  test("say with no session started: the CLI's no-session sentence", async () => {
    const { call } = await connect();
    const result = await call("session_say", { text: "hi", port: 8792 });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toBe(
      "no session running on 127.0.0.1:8792 (run `lk agent session start --port 8792` first)",
    );
  });

  test("logs: the lines as a list", async () => {
    const dir = tempDir("lk-mcp-logs-");
    // The last run's log: named as the port's runs are (state/run-logs.ts).
    const agentLog = join(dir, "session-8775.agent.log");
    await Bun.write(agentLog, "one\ntwo\nthree\n");
    const { call } = await connect({
      found: { kind: "running", port: 8775, state: fakeState({ agentLog }) },
    });
    const result = await call("session_logs", { lines: 2 });
    expect(result.structuredContent).toMatchObject({ path: agentLog, lines: ["two", "three"] });
  });
});

describe("mcp tools on what the session reports", () => {
  const agentInfo = { id: "billing_agent", tools: ["pay"], instructions: "You handle billing.\nBe brief." };

  test("status: the active agent with its tools and instructions, the idle timeout, in the output schema", async () => {
    const state = fakeState();
    const data: StatusData = {
      port: state.port,
      daemonPid: state.daemonPid,
      agentPid: 4343,
      entry: state.agent.entry,
      root: state.agent.root,
      runtime: state.agent.runtime,
      label: state.agent.label,
      runtimeArgs: [],
      framework: { sdk: "js", version: "1.9.0" },
      agentId: "billing_agent",
      agentInfo,
      agentState: "listening",
      startedAt: state.startedAt,
      uptimeMs: 5_000,
      run: 1,
      runStartedAt: state.startedAt,
      runUptimeMs: 5_000,
      idleTimeoutMs: 1_800_000,
      turns: 2,
      unseen: 0,
      queued: 0,
      agentLog: state.agentLog,
      daemonLog: state.daemonLog,
      env: { MODE: "test", OPENAI_API_KEY: null },
    };
    const { call } = await connect({ ...RUNNING, answer: () => ({ done: { data } as Answer["done"] }) });
    const result = await call("session_status");
    expect(result.isError).toBeFalsy();
    // durationMs is the run's own time (loading the command included): any number.
    expect(result.structuredContent).toEqual({ running: true, status: data, durationMs: expect.any(Number) });
  });

  test("end: the closing summary; chat_history and logs return the conversation and the whole log", async () => {
    const dir = tempDir("lk-mcp-end-");
    const agentLog = join(dir, "session-8775.agent.log");
    await Bun.write(agentLog, "one\ntwo\n");
    const conversation: SessionEvent[] = [
      { type: "message", role: "user", text: "hi" },
      { type: "message", role: "assistant", text: "hello" },
    ];
    const { call, fake: f } = await connect({
      found: { kind: "running", port: 8775, state: fakeState({ agentLog }) },
      answer: (cmd) => (cmd.cmd === "history" ? { events: conversation } : {}),
    });
    const plain = await call("session_end");
    expect(plain.structuredContent).toEqual({
      port: 8775,
      summary: FAKE_SUMMARY,
      logsKept: [agentLog],
      durationMs: 0,
    });

    const full = await call("session_end", { chat_history: true, logs: true });
    expect(full.isError).toBeFalsy();
    expect(full.structuredContent).toMatchObject({
      port: 8775,
      summary: FAKE_SUMMARY,
      events: conversation,
      lines: ["one", "two"],
    });
    expect(f.sent.map((c) => c.cmd)).toEqual(["history"]);
  });

  test("end: save_test reaches `end --save-test`, whose refusal of an empty conversation comes back as is", async () => {
    const { call, fake: f } = await connect(RUNNING);
    const file = join(tempDir("lk-mcp-save-"), "talk.lktest.yaml");
    const result = await call("session_end", { save_test: file });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain(
      "nothing to save as a test: the conversation has no user turns yet",
    );
    // Refused before the session is touched.
    expect(f.stops).toHaveLength(0);
  });

  test("restart: a new idle timeout, the agent and its tools from agentInfo", async () => {
    const state = fakeState({
      agent: { ...fakeState().agent, runtime: "bun", entry: "agent.ts", root: FAKE_AGENT_DIR },
      launch: { connectTimeoutMs: 60_000, idleTimeoutMs: 1_800_000, runtime: "bun", skipSdkCheck: true },
    });
    const { call, fake: f } = await connect({
      found: { kind: "running", port: 8775, state },
      started: { agentInfo, daemonPid: 78 },
    });
    const result = await call("session_restart", { idle_timeout: 0, env: { LOG_LEVEL: "debug", EMPTY: "" } });
    expect(result.isError).toBeFalsy();
    expect(f.restarts[0]).toMatchObject({ idleTimeoutMs: 0, env: { LOG_LEVEL: "debug", EMPTY: "" } });
    // A name that is not one is refused before anything is run.
    const bad = await call("session_restart", { env: { "A=B": "x" } });
    expect(bad.isError).toBe(true);
    expect(f.restarts).toHaveLength(1);
    expect(result.structuredContent).toMatchObject({
      port: 8775,
      daemonPid: 78,
      agent: {
        label: "Node.js",
        entry: "agent.ts",
        root: FAKE_AGENT_DIR,
        id: "billing_agent",
        instructions: agentInfo.instructions,
      },
      tools: ["pay"],
    });
  });
});

describe("mcp results", () => {
  test("a failure reads as the CLI prints it: the sentence, then each detail line indented", () => {
    const result = failure({ ok: false, exitCode: 1, error: "could not start", detail: ["a", "b"] });
    expect(result).toEqual({ content: [{ type: "text", text: "could not start\n  a\n  b" }], isError: true });
  });

  test("tools called: joined by call id, earlier output left out, JSON strings unquoted", () => {
    const at = 1;
    const events: DeliveredEvent[] = [
      { type: "tool_call", name: "old", callId: "c0", arguments: "{}", at, earlier: true },
      { type: "tool_call", name: "a", callId: "c1", arguments: '{"x":1}', at },
      { type: "tool_call", name: "b", callId: "c2", arguments: "not json", at },
      {
        type: "tool_output",
        name: "b",
        callId: "c2",
        output: "boom",
        isError: true,
        error: "ValueError",
        at,
      },
      { type: "tool_output", name: "a", callId: "c1", output: '"fine"', isError: false, at },
    ];
    expect(toolsCalled(events)).toEqual([
      { name: "a", arguments: { x: 1 }, output: "fine", is_error: false },
      { name: "b", arguments: "not json", output: "boom", is_error: true, error: "ValueError" },
    ]);
  });

  test("progress lines", () => {
    const at = 1;
    expect(eventLine({ type: "handoff", from: "a", to: "b", at })).toBe("handoff: a → b");
    expect(eventLine({ type: "message", role: "assistant", text: "hi\nthere", at, earlier: true })).toBe(
      "agent (before this turn): hi",
    );
    expect(eventLine({ type: "tool_output", name: "t", callId: "c", output: "", isError: false, at })).toBe(
      "tool done: t",
    );
  });
});

describe("sessions the server started", () => {
  test("disconnecting ends those without keep whose daemon is still the one started, and no other", async () => {
    const stops: number[] = [];
    const session: SessionClient = {
      find: async (port) => ({
        kind: "running",
        port,
        state: fakeState({ port, daemonPid: port === 3 ? 999 : port }),
      }),
      send: async () => ({ t: "done", ok: true }) as never,
      start: async () => ({}) as never,
      restart: async () => ({}) as never,
      stop: async (state) => {
        stops.push(state.port);
      },
    };
    const owned = new OwnedSessions();
    owned.started({ port: 1, daemonPid: 1, keep: false });
    owned.started({ port: 2, daemonPid: 2, keep: true });
    // Ended and started again by someone else: another daemon holds port 3 now.
    owned.started({ port: 3, daemonPid: 3, keep: false });
    expect(owned.lastPort).toBe(3);
    const lines = await owned.endAll(session);
    expect(stops).toEqual([1]);
    expect(lines).toEqual([
      "ended the session on 127.0.0.1:1",
      "the session on 127.0.0.1:3 had already ended",
    ]);
    expect(owned.all).toEqual([{ port: 2, daemonPid: 2, keep: true }]);
  });
});

describe("stdout under mcp", () => {
  test("a diverted stream writes nothing itself: everything goes where it was sent", async () => {
    const dir = tempDir("lk-mcp-stdio-");
    const [outPath, errPath] = [join(dir, "out"), join(dir, "err")];
    const out = new TrackedStream(1, Bun.file(outPath));
    const err = new TrackedStream(2, Bun.file(errPath));
    out.write("before\n");
    out.divertTo(err);
    out.write("after\n");
    await Promise.all([out.flushed(), err.flushed()]);
    expect(readFileSync(outPath, "utf8")).toBe("before\n");
    expect(readFileSync(errPath, "utf8")).toBe("after\n");
  });
});
