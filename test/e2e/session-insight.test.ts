// Issue 15's "who is speaking, and with what", the session that ends itself, the closing summary and
// the live events feed, through dist/lk with the protocol-level fake agent.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, processAlive, type RunResult, Sandbox } from "../helpers/lk.ts";

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
      "idle: no command for 2 s",
    );

    const say = await box.session(["say", "hello?"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toMatch(
      new RegExp(
        `^the session on 127\\.0\\.0\\.1:${box.port} ended at \\d\\d:\\d\\d:\\d\\d for being idle: no command for 2s \\(its --idle-timeout\\)\n`,
      ),
    );
    expect(say.stderr).toContain(`its agent log is kept until the next start: ${start.agentLog}`);
    const json = jsonLines(await box.session(["status", "--json"]));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ ok: false, exitCode: 1 });
    expect(json[0]?.error).toContain("for being idle");

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
