// `lk agent session mcp` as a coding agent uses it: dist/lk spawned by the SDK's own client over
// stdio, against the real Python and Node echo agents (and the fake agent where any agent will do).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { descendants } from "../../src/agent/process-tree.ts";
import {
  cleanupAll,
  FAKE_AGENT_DIR,
  freePort,
  LK,
  portIsFree,
  processAlive,
  REPO,
  Sandbox,
  tempDir,
} from "../helpers/lk.ts";
import { type McpSession, startMcp, textOf } from "../helpers/mcp-client.ts";
import { runProcess } from "../helpers/process.ts";
import {
  BILLING_GREETING,
  ECHO_GREETING,
  NODE_AGENT,
  PYTHON_AGENT,
  requireInstalled,
} from "../helpers/real-agents.ts";

const SLOW = 120_000;
const ECHO_TOOLS = ["check_inventory", "end_call", "lookup_weather", "transfer_to_billing"];
afterAll(cleanupAll);

const TOOL_NAMES = [
  "session_start",
  "session_say",
  "session_history",
  "session_status",
  "session_logs",
  "session_listen",
  "session_restart",
  "session_end",
  "session_test",
];

/** The agent and everything it started, to check that none of it outlives its session. */
function agentTree(started: Record<string, unknown>): number[] {
  const pid = Number(started.agentPid);
  return [Number(started.daemonPid), pid, ...descendants(pid)];
}

const fakeStart = (port: number, more: Record<string, unknown> = {}) => ({
  cwd: FAKE_AGENT_DIR,
  entrypoint: "agent.ts",
  runtime: "bun",
  port,
  ...more,
});

describe("mcp: the tools", () => {
  test("listed, each with a description and input and output schemas; stdout carries JSON-RPC alone", async () => {
    const box = await Sandbox.create();
    const mcp = await startMcp(box);
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
      for (const tool of tools) {
        expect(tool.description?.length ?? 0).toBeGreaterThan(200);
        expect(tool.inputSchema.type).toBe("object");
        expect(tool.outputSchema?.type).toBe("object");
      }
      const say = tools.find((t) => t.name === "session_say");
      expect(Object.keys(say?.inputSchema.properties ?? {})).toEqual(["text", "port", "timeout"]);
      expect(Object.keys(say?.outputSchema?.properties ?? {})).toEqual(
        expect.arrayContaining(["reply", "events", "tools_called", "handoff", "metrics", "usage", "silent"]),
      );
      const start = tools.find((t) => t.name === "session_start");
      expect(Object.keys(start?.inputSchema.properties ?? {})).toEqual(
        expect.arrayContaining(["entrypoint", "cwd", "port", "runtime_args", "idle_timeout", "keep"]),
      );
    } finally {
      await mcp.close();
      await box.cleanup();
    }
    expect(mcp.errors).toEqual([]);
    expect(mcp.stderr()).toContain("serving 9 tools on stdio");
  });

  test("the inspector's CLI mode lists them", async () => {
    const box = await Sandbox.create();
    try {
      // It reads its own package.json relative to the working directory: run it from its build folder.
      const cli = join(REPO, "node_modules", "@modelcontextprotocol", "inspector-cli", "build");
      const listed = await runProcess(
        ["node", join(cli, "index.js"), LK, "agent", "session", "mcp", "--method", "tools/list"],
        { cwd: cli, env: box.env() },
      );
      expect(listed.code).toBe(0);
      const names = (JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
      expect(names).toEqual(TOOL_NAMES);
    } finally {
      await box.cleanup();
    }
  });
});

for (const agent of [NODE_AGENT, PYTHON_AGENT]) {
  describe(`mcp: the ${agent.name} echo agent`, () => {
    let box: Sandbox;
    let mcp: McpSession;
    let tree: number[] = [];

    beforeAll(async () => {
      requireInstalled(agent);
      box = await Sandbox.create();
      mcp = await startMcp(box);
    });
    afterAll(async () => {
      await mcp?.close();
      await box?.cleanup();
    });

    test(
      "start, say with a tool call, say that hands off, history, logs, status, end",
      async () => {
        const started = await mcp.ok("session_start", {
          cwd: agent.dir,
          entrypoint: agent.entry,
          port: box.port,
        });
        expect(started).toMatchObject({
          port: box.port,
          keep: false,
          agent: { label: agent.label, entry: agent.entry, root: agent.dir, id: "echo_agent" },
        });
        expect([...(started.tools as string[])].sort()).toEqual(ECHO_TOOLS);
        expect((started.agent as { instructions: string }).instructions).toMatch(/^You are the echo agent\./);
        expect(started).not.toHaveProperty("agentInfo");
        tree = agentTree(started);

        const progress: string[] = [];
        const weather = await mcp.ok(
          "session_say",
          { text: "what's the weather in San Francisco?" },
          progress,
        );
        // The greeting comes at start or, at the latest, before the first turn's own output.
        expect(`${started.greeting}\n${JSON.stringify(weather.events)}`).toContain(ECHO_GREETING);
        expect(weather.tools_called).toEqual([
          {
            name: "lookup_weather",
            arguments: { location: "San Francisco" },
            output: "sunny with a temperature of 70 degrees.",
            is_error: false,
          },
        ]);
        expect(weather.reply).toBe("The weather in San Francisco is sunny with a temperature of 70 degrees.");
        expect(weather.silent).toBe(false);
        expect(progress).toContainEqual(
          expect.stringMatching(/^tool call: lookup_weather \{"location": ?"San Francisco"\}$/),
        );

        const billing = await mcp.ok("session_say", { text: "transfer me to billing" });
        expect((billing.tools_called as { name: string }[]).map((t) => t.name)).toEqual([
          "transfer_to_billing",
        ]);
        expect(billing.handoff).toEqual({ from: "echo_agent", to: "billing_agent" });
        expect(billing.reply).toContain(BILLING_GREETING);

        const history = await mcp.ok("session_history");
        const said = (history.events as { type: string; role?: string; text?: string }[])
          .filter((e) => e.type === "message" && e.role === "user")
          .map((e) => e.text);
        expect(said).toEqual(["what's the weather in San Francisco?", "transfer me to billing"]);

        const logs = await mcp.ok("session_logs", { lines: 5 });
        expect(logs.path).toBe(started.agentLog);
        expect((logs.lines as string[]).length).toBeGreaterThan(0);

        const status = await mcp.ok("session_status");
        expect(status).toMatchObject({
          running: true,
          status: {
            port: box.port,
            agentId: "billing_agent",
            agentInfo: { id: "billing_agent" },
            idleTimeoutMs: 30 * 60_000,
            turns: 2,
          },
        });

        expect(await mcp.ok("session_end")).toMatchObject({
          port: box.port,
          summary: { turns: 2, agentId: "billing_agent", agentLog: started.agentLog },
        });
        expect(await portIsFree(box.port)).toBe(true);
        for (const pid of tree) expect(processAlive(pid)).toBe(false);
        expect(mcp.errors).toEqual([]);
      },
      SLOW,
    );
  });
}

describe("mcp: restart and the idle timeout (the fake agent)", () => {
  let box: Sandbox;
  let mcp: McpSession;
  beforeAll(async () => {
    box = await Sandbox.create();
    mcp = await startMcp(box, { LK_SESSION_SKIP_SDK_CHECK: "1" });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.cleanup();
  });

  test(
    "restart returns what start returns; a new idle_timeout of 2 s ends the session, and the next say says why",
    async () => {
      const started = await mcp.ok("session_start", fakeStart(box.port, { idle_timeout: 0 }));
      expect(await mcp.ok("session_status")).toMatchObject({ status: { idleTimeoutMs: 0 } });

      const restarted = await mcp.ok("session_restart", { idle_timeout: 2 });
      // The same daemon and port, a new agent.
      expect(restarted.daemonPid).toBe(started.daemonPid);
      expect(restarted.agentPid).not.toBe(started.agentPid);
      expect(restarted).toMatchObject({
        port: box.port,
        agent: { label: "Node.js", entry: "agent.ts", root: FAKE_AGENT_DIR, id: "echo_agent" },
      });
      expect(restarted.tools).toEqual(started.tools);
      expect(await mcp.ok("session_status")).toMatchObject({ status: { idleTimeoutMs: 2_000 } });

      for (let i = 0; i < 500 && !(await portIsFree(box.port)); i++) await Bun.sleep(20);
      const said = await mcp.call("session_say", { text: "hello?" });
      expect(said.isError).toBe(true);
      expect(textOf(said)).toContain("it was idle, with no command for 2s (--idle-timeout; 0: never)");
      // The log of a session that ended on its own is still there.
      expect(await mcp.ok("session_logs")).toMatchObject({ path: restarted.agentLog, ended: {} });
    },
    SLOW,
  );
});

describe("mcp: failures are tool results with the CLI's words", () => {
  let box: Sandbox;
  let mcp: McpSession;
  beforeAll(async () => {
    box = await Sandbox.create();
    mcp = await startMcp(box);
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.cleanup();
  });

  test("a bad entrypoint", async () => {
    requireInstalled(PYTHON_AGENT);
    const result = await mcp.call("session_start", {
      cwd: PYTHON_AGENT.dir,
      entrypoint: "nosuch.py",
      port: box.port,
    });
    const cli = await box.session(["start", "nosuch.py"], { cwd: PYTHON_AGENT.dir });
    expect(cli.code).toBe(1);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(cli.stderr.trimEnd());
    expect(textOf(result)).toContain("nosuch.py");
  });

  test("a say without a session", async () => {
    const result = await mcp.call("session_say", { text: "hello", port: box.port });
    const cli = await box.session(["say", "hello"]);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(cli.stderr.trimEnd());
    expect(textOf(result)).toBe(
      `no session running on 127.0.0.1:${box.port} (run \`lk agent session start --port ${box.port}\` first)`,
    );
  });
});

describe("mcp: session_test runs scenarios, each in a session of its own", () => {
  let box: Sandbox;
  let mcp: McpSession;
  beforeAll(async () => {
    box = await Sandbox.create();
    mcp = await startMcp(box);
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.cleanup();
  });

  test(
    "a passing scenario with the real Node echo agent; a failing one is an error result naming it",
    async () => {
      requireInstalled(NODE_AGENT);
      const passed = await mcp.call("session_test", {
        paths: ["test/fixtures/scenarios/node/weather-then-billing.lktest.yaml"],
        cwd: REPO,
      });
      expect(passed.isError).toBeFalsy();
      expect(passed.structuredContent).toMatchObject({ scenarios: 1, passed: 1, failed: 0, errors: 0 });

      const dir = join(tempDir("lk-mcp-test-"), "tests");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "wrong.lktest.yaml"),
        [
          `agent: ${join(NODE_AGENT.dir, NODE_AGENT.entry)}`,
          "turns:",
          "  - user: what's the weather in Paris?",
          "    expect:",
          "      - tool: lookup_weather",
          "        args: { location: London }",
          "",
        ].join("\n"),
      );
      const failed = await mcp.call("session_test", { cwd: join(dir, "..") });
      expect(failed.isError).toBe(true);
      expect(textOf(failed)).toContain("1 of 1 scenario did not pass");
      expect(textOf(failed)).toContain("wrong.lktest.yaml");
    },
    SLOW,
  );
});

describe("mcp: sessions on several ports", () => {
  test(
    "two agents side by side; tools default to the one started last",
    async () => {
      requireInstalled(NODE_AGENT);
      requireInstalled(PYTHON_AGENT);
      // One state folder, two ports, as one user's sessions are.
      const a = await Sandbox.create();
      const b = { port: await freePort() };
      const mcp = await startMcp(a);
      try {
        const node = await mcp.ok("session_start", {
          cwd: NODE_AGENT.dir,
          entrypoint: "agent.mjs",
          port: a.port,
        });
        const python = await mcp.ok("session_start", {
          cwd: PYTHON_AGENT.dir,
          entrypoint: "agent.py",
          port: b.port,
        });
        expect(node.daemonPid).not.toBe(python.daemonPid);

        const viaNode = await mcp.ok("session_say", { text: "weather in Oslo?", port: a.port });
        const viaDefault = await mcp.ok("session_say", { text: "weather in Lima?" });
        expect(viaNode.reply).toContain("The weather in Oslo is sunny");
        expect(viaDefault.reply).toContain("The weather in Lima is sunny");

        expect(await mcp.ok("session_status")).toMatchObject({ status: { port: b.port, label: "Python" } });
        expect(await mcp.ok("session_status", { port: a.port })).toMatchObject({
          status: { port: a.port, label: "Node.js", turns: 1 },
        });

        // Ending the last one: the default goes back to the one before it.
        await mcp.ok("session_end");
        expect(await portIsFree(b.port)).toBe(true);
        expect(await mcp.ok("session_status")).toMatchObject({ status: { port: a.port } });
      } finally {
        await mcp.close();
        await a.cleanup();
      }
    },
    SLOW,
  );
});

describe("mcp: the client going away", () => {
  test(
    "closing stdin ends the sessions the server started, leaves a kept one and one it did not start",
    async () => {
      requireInstalled(NODE_AGENT);
      const box = await Sandbox.create();
      const [kept, foreign] = [{ port: await freePort() }, { port: await freePort() }];
      const env = { LK_SESSION_SKIP_SDK_CHECK: "1" };
      try {
        // Started by the user from a shell, on the server's state folder: not the server's to end.
        const other = await box.lk(
          [
            "agent",
            "session",
            "start",
            "agent.ts",
            "--runtime",
            "bun",
            "--skip-sdk-check",
            "--port",
            String(foreign.port),
          ],
          { cwd: FAKE_AGENT_DIR },
        );
        expect(other.code).toBe(0);
        const mcp = await startMcp(box, env);
        const started = await mcp.ok("session_start", {
          cwd: NODE_AGENT.dir,
          entrypoint: "agent.mjs",
          port: box.port,
        });
        await mcp.ok("session_start", fakeStart(kept.port, { keep: true }));
        const tree = agentTree(started);

        await mcp.close();
        expect(processAlive(mcp.pid)).toBe(false);
        expect(await portIsFree(box.port)).toBe(true);
        for (const pid of tree) expect(processAlive(pid)).toBe(false);
        expect(mcp.stderr()).toContain(`ended the session on 127.0.0.1:${box.port}`);
        expect(mcp.stderr()).toContain(`left running (keep): the session on 127.0.0.1:${kept.port}`);

        for (const port of [kept.port, foreign.port]) {
          const status = await box.lk(["agent", "session", "status", "--port", String(port)]);
          expect(status.code).toBe(0);
          expect((await box.lk(["agent", "session", "end", "--port", String(port)])).code).toBe(0);
        }
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );

  test(
    "a start under way when the client goes is ended once it is up",
    async () => {
      const box = await Sandbox.create();
      try {
        const mcp = await startMcp(box, { LK_SESSION_SKIP_SDK_CHECK: "1" });
        const start = mcp.call("session_start", fakeStart(box.port)).catch((error: Error) => error);
        // Only once the server has begun the start (its daemon's log exists) does the client go.
        const daemonLog = join(box.stateDir, `session-${box.port}.daemon.log`);
        for (let i = 0; i < 1000 && !existsSync(daemonLog); i++) await Bun.sleep(10);
        await mcp.close();
        // Its reply may still reach the closing client, or not: either way the session is ended.
        await start;
        expect(await portIsFree(box.port)).toBe(true);
        expect(existsSync(join(box.stateDir, `session-${box.port}.json`))).toBe(false);
        expect(mcp.stderr()).toContain(`ended the session on 127.0.0.1:${box.port}`);
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );

  test(
    "SIGTERM ends them too",
    async () => {
      const box = await Sandbox.create();
      try {
        const mcp = await startMcp(box, { LK_SESSION_SKIP_SDK_CHECK: "1" });
        const started = await mcp.ok("session_start", fakeStart(box.port));
        const tree = agentTree(started);
        process.kill(mcp.pid, "SIGTERM");
        for (let i = 0; i < 1000 && processAlive(mcp.pid); i++) await Bun.sleep(10);
        expect(processAlive(mcp.pid)).toBe(false);
        // Gone already; this reads the rest of its stderr.
        await mcp.close();
        expect(await portIsFree(box.port)).toBe(true);
        for (const pid of tree) expect(processAlive(pid)).toBe(false);
        expect(mcp.stderr()).toContain("got SIGTERM: ending the sessions this server started");
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});
