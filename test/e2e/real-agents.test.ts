// The product's reason to exist: REAL agents (Python livekit-agents, Node @livekit/agents), driven
// through dist/lk exactly as a user would. Slow (a Python agent takes seconds to connect).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { descendants } from "../../src/agent/process-tree.ts";
import { cleanupAll, count, portIsFree, processAlive, Sandbox } from "../helpers/lk.ts";
import {
  BILLING_GREETING,
  ECHO_GREETING,
  NODE_AGENT,
  PYTHON_AGENT,
  requireInstalled,
} from "../helpers/real-agents.ts";
import { watch } from "../helpers/watch.ts";

const SLOW = 120_000;
/** Both echo agents' tools, sorted. */
const TOOLS = ["check_inventory", "end_call", "lookup_weather", "transfer_to_billing"];
afterAll(cleanupAll);

for (const agent of [NODE_AGENT, PYTHON_AGENT]) {
  describe(`${agent.name} echo agent`, () => {
    let box: Sandbox;
    let agentPid = 0;
    let tree: number[] = [];

    beforeAll(async () => {
      requireInstalled(agent);
      box = await Sandbox.create();
    });
    afterAll(async () => {
      // Undefined when beforeAll failed (the agent is not installed).
      if (box) await box.cleanup();
    });

    test(
      "start: detected, connected, the greeting shown (never cancelled by an early turn)",
      async () => {
        const start = await box.session(["start", agent.entry], { cwd: agent.dir });
        expect(start.code).toBe(0);
        // Only the plain progress line (no spinner: stderr is not a terminal).
        expect(start.stderr.replace("Waiting for the agent to connect…\n", "")).toBe("");
        expect(start.stdout).toContain(`Detected ${agent.label} agent (${agent.entry} in ${agent.dir})`);
        expect(start.stdout).toContain("Session started.");
        // Who is speaking, and with what (Node lists the tools sorted, Python as declared).
        const summary = /Agent "echo_agent" with 4 tools: (.*)\.\nSession started\./.exec(start.stdout);
        expect(summary?.[1]?.split(", ").sort()).toEqual(TOOLS);
        const state = JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));
        agentPid = state.agent.pid;
        // The greeting comes at start or, at the latest, before the first turn's own output.
        const first = await box.session([
          "say",
          "Repeat this token back to me exactly and nothing else: PINEAPPLE7351",
        ]);
        expect(first.code).toBe(0);
        expect(start.stdout + first.stdout).toContain(ECHO_GREETING);
        expect(count(first.output, "PINEAPPLE7351")).toBeGreaterThanOrEqual(2);
        tree = [agentPid, ...descendants(agentPid)];
      },
      SLOW,
    );

    test("the seed's conversation: weather tool ✓, handoff with greeting, goodbye tool", async () => {
      const weather = await box.session(["say", "what's the weather in San Francisco?"]);
      expect(weather.code).toBe(0);
      expect(weather.stdout).toMatch(/● function_tool: lookup_weather \{"location": ?"San Francisco"\}/);
      expect(weather.stdout).toContain("✓ sunny with a temperature of 70 degrees.");
      expect(weather.stdout).toContain(
        "● Agent\n    The weather in San Francisco is sunny with a temperature of 70 degrees.",
      );

      const billing = await box.session(["say", "transfer me to billing"]);
      expect(billing.code).toBe(0);
      expect(billing.stdout).toContain("● function_tool: transfer_to_billing");
      expect(billing.stdout).toMatch(/● handoff: \S+ → \S+/);
      expect(billing.stdout).toContain(BILLING_GREETING);
      // status names the agent in charge now, with its tools and instructions.
      const status = await box.session(["status"]);
      expect(status.stdout).toContain("active agent: billing_agent (listening)");
      expect(status.stdout).toMatch(/tools: +\w+(, \w+){3}\n/);
      expect(status.stdout).toContain("instructions: You are the billing agent.");
      const json = JSON.parse(
        (await box.session(["status", "--json"])).stdout.trim().split("\n").at(-1) as string,
      );
      expect(json.status.agentInfo.id).toBe("billing_agent");
      expect([...json.status.agentInfo.tools].sort()).toEqual(TOOLS);

      const bye = await box.session(["say", "thanks, that's all"]);
      expect(bye.code).toBe(0);
      expect(bye.stdout).toContain("● function_tool: end_call\n    ✓ say goodbye to the user");
      expect(bye.stdout).toContain("Goodbye! Have a great day!");
    });

    test("a failing tool is shown with ✗", async () => {
      const fail = await box.session(["say", "this will fail"]);
      expect(fail.code).toBe(0);
      expect(fail.stdout).toContain("● function_tool: check_inventory\n    ✗ ");
      expect(fail.stdout).toContain("Sorry, I could not check that right now.");
    });

    test("events --last replays what happened, then follows a say run by another process", async () => {
      const feed = watch(box, ["events", "--last", "5", "--logs"]);
      // The last turn's reply, replayed.
      expect(await feed.until("Agent: Sorry, I could not check that right now.")).toBe(true);
      const say = await box.session(["say", "weather in Quito?"]);
      expect(say.code).toBe(0);
      expect(await feed.until("Agent: The weather in Quito is sunny")).toBe(true);
      const run = await feed.interrupt();
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split("\n");
      for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\S/);
      const texts = lines.map((l) => l.slice(14));
      for (const expected of ["You: weather in Quito?", "agent state: thinking"])
        expect(texts).toContain(expected);
      expect(texts.some((t) => /^function_tool: lookup_weather \{"location": ?"Quito"\}$/.test(t))).toBe(
        true,
      );
      expect(texts).toContain("✓ lookup_weather: sunny with a temperature of 70 degrees.");
      // --logs: the agent's own output is in the feed too.
      expect(texts.some((t) => t.startsWith("log std"))).toBe(true);
    });

    test("status knows the framework", async () => {
      const status = JSON.parse(
        (await box.session(["status", "--json"])).stdout.trim().split("\n").at(-1) as string,
      );
      expect(status.status.framework.sdk).toBe(agent.name === "python" ? "python" : "js");
    });

    test("end --chat-history --logs: the conversation, the whole log, the closing summary; the port free, the agent's whole process tree gone", async () => {
      const end = await box.session(["end", "--chat-history", "--logs"]);
      expect(end.code).toBe(0);
      const out = end.stdout;
      const conversation = out.indexOf("● You\n    what's the weather in San Francisco?");
      const summary = out.indexOf("Session ended.\n");
      expect(conversation).toBeGreaterThanOrEqual(0);
      expect(out.indexOf(BILLING_GREETING)).toBeGreaterThan(conversation);
      expect(summary).toBeGreaterThan(out.indexOf(BILLING_GREETING));
      // The log, up to the agent's shutdown, before the summary.
      expect(out.slice(0, summary)).toContain(agent.name === "python" ? "livekit.agents" : "DEBUG");
      expect(out.slice(summary)).toMatch(
        /^Session ended\.\n {2}turns: +6\n {2}duration: +\S+\n {2}active agent: billing_agent\n {2}usage: +\d+ → \d+ tokens \(echo\/echo-1\)\n {2}logs kept: +\S+session-\d+\.agent\.log {2}\(lk agent session logs --port \d+ --run last to read them\)\n$/,
      );
      // The echo LLM reports 10 → 5 tokens a call, and each of the six turns made at least one.
      const [input = 0, output] = (/usage: +(\d+) → (\d+) tokens/.exec(out) ?? []).slice(1).map(Number);
      expect(input).toBeGreaterThanOrEqual(60);
      expect([input % 10, output]).toEqual([0, input / 2]);
      expect(await portIsFree(box.port)).toBe(true);
      expect(tree.length).toBeGreaterThan(0);
      for (const pid of tree) expect(processAlive(pid)).toBe(false);
    });
  });
}

describe("Node agents without node", () => {
  beforeAll(() => requireInstalled(NODE_AGENT));
  test(
    "with no node on PATH, lk runs the agent itself as bun",
    async () => {
      const box = await Sandbox.create();
      try {
        const start = await box.session(["start", "agent.mjs"], {
          cwd: NODE_AGENT.dir,
          env: { PATH: "/nonexistent" },
        });
        expect(start.code).toBe(0);
        const state = JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));
        expect(state.agent.runtime).toBe("bun");
        const say = await box.session(["say", "weather in Quito?"]);
        expect(say.stdout).toContain("The weather in Quito is sunny");
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});

describe("a Node agent whose greeting comes late", () => {
  beforeAll(() => requireInstalled(NODE_AGENT));
  test(
    "a greeting still being said when the first turn comes is earlier output, not part of the reply",
    async () => {
      const box = await Sandbox.create();
      try {
        // It starts after start returned and goes on until the first turn interrupts it.
        const start = await box.session(["start", "agent.mjs"], {
          cwd: NODE_AGENT.dir,
          env: { ECHO_AGENT_GREETING_DELAY_MS: "300", ECHO_AGENT_GREETING_HOLD_MS: "60000" },
        });
        expect(start.code).toBe(0);
        expect(start.stdout).not.toContain(ECHO_GREETING);
        await Bun.sleep(800);
        // Node reports the interrupted greeting after the user's message, made before it.
        const say = await box.session(["say", "first", "--expect", "weather"]);
        expect(say.stdout).toContain(`● Agent (before this turn) (interrupted)\n    ${ECHO_GREETING}`);
        expect(say.stdout).toEndWith("\n  ● Agent\n    first\n\n");
        // The greeting's "weather" is not the reply's.
        expect(say.code).toBe(2);
        expect(say.stderr).toContain("the agent replied:\n      first\n");
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});

describe("failing Node agents end start at once", () => {
  beforeAll(() => requireInstalled(NODE_AGENT));
  for (const [mode, expected] of [
    ["entry", "console mode failed:"],
    ["import", "simulated crash at import"],
  ] as const) {
    test(
      `ECHO_AGENT_CRASH=${mode}`,
      async () => {
        const box = await Sandbox.create();
        const start = await box.session(["start", "agent.mjs"], {
          cwd: NODE_AGENT.dir,
          env: { ECHO_AGENT_CRASH: mode },
        });
        expect(start.code).toBe(1);
        // Ended by the agent's failure, not by the connect timeout.
        expect(start.stderr).not.toContain("did not connect");
        expect(start.stderr).toContain("could not start the session");
        expect(start.stderr).toContain(expected);
        expect(await portIsFree(box.port)).toBe(true);
      },
      SLOW,
    );
  }
});

describe("SDK version checks", () => {
  test("a too-old @livekit/agents is refused before anything starts", async () => {
    const box = await Sandbox.create();
    const dir = join(NODE_AGENT.dir, "..", "old-agents-node");
    const start = await box.session(["start", "agent.mjs"], { cwd: dir });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("@livekit/agents 1.4.6 is too old: text sessions need 1.4.7 or newer");
    expect(start.stderr).toContain("npm install @livekit/agents@latest");
    expect(await portIsFree(box.port)).toBe(true);
  });

  test("--skip-sdk-check lets a non-LiveKit entrypoint through (it then fails on its own terms)", async () => {
    const box = await Sandbox.create();
    const dir = join(NODE_AGENT.dir, "..", "old-agents-node");
    const start = await box.session(["start", "agent.mjs", "--skip-sdk-check"], { cwd: dir });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("unknown command 'console'");
  });
});

for (const agent of [NODE_AGENT, PYTHON_AGENT]) {
  describe(`${agent.name} echo agent, left alone`, () => {
    beforeAll(() => requireInstalled(agent));
    test(
      "--idle-timeout 2s ends the session, agent and all, and the next say says why",
      async () => {
        const box = await Sandbox.create();
        try {
          const start = await box.session(["start", agent.entry, "--idle-timeout", "2s"], { cwd: agent.dir });
          expect(start.code).toBe(0);
          const state = JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));
          const tree = [state.agent.pid, ...descendants(state.agent.pid)];
          // No command meanwhile: only the processes are watched.
          for (let i = 0; i < 6000 && processAlive(state.daemonPid); i++) await Bun.sleep(10);
          expect(processAlive(state.daemonPid)).toBe(false);
          for (const pid of tree) expect(processAlive(pid)).toBe(false);
          expect(await portIsFree(box.port)).toBe(true);
          const say = await box.session(["say", "are you there?"]);
          expect(say.code).toBe(1);
          expect(say.stderr).toContain("it was idle, with no command for 2s (--idle-timeout; 0: never)");
          expect(readFileSync(state.agentLog, "utf8").length).toBeGreaterThan(0);
        } finally {
          await box.cleanup();
        }
      },
      SLOW,
    );
  });
}
