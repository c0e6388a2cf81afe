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

const SLOW = 120_000;
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

    test("status knows the framework", async () => {
      const status = JSON.parse(
        (await box.session(["status", "--json"])).stdout.trim().split("\n").at(-1) as string,
      );
      expect(status.status.framework.sdk).toBe(agent.name === "python" ? "python" : "js");
    });

    test("end frees the port and the agent's whole process tree is gone", async () => {
      const end = await box.session(["end"]);
      expect(end.code).toBe(0);
      expect(end.stdout).toStartWith("Session ended.\n");
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
