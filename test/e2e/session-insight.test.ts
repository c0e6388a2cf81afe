// Issue 15's "who is speaking, and with what", the session that ends itself, the closing summary and
// the live events feed, through dist/lk with the protocol-level fake agent.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { cleanupAll, type RunResult, Sandbox } from "../helpers/lk.ts";

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
  });
});
