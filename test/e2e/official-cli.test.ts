// Issue 15 item 8: scripts written for the official CLI (`lk agent debugger`, `lk agent dbg`, the
// hidden `lk agent daemon`) run unchanged: the typical flow its own help prints, step by step,
// through dist/lk, against the fake agent and the real Python echo agent.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cleanupAll, FAKE_AGENT_DIR, portIsFree, type RunResult, Sandbox } from "../helpers/lk.ts";
import { PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";
import { watchLk } from "../helpers/watch.ts";

const SLOW = 120_000;
const SECOND = "what's the weather in Paris?";
afterAll(cleanupAll);

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.cleanup();
  box = undefined;
});

interface Agent {
  name: string;
  dir: string;
  /** What `start` needs besides its name: nothing for a real agent in its folder. */
  startArgs: string[];
  /** The agent's reply to SECOND. */
  weather: string;
}

const FAKE: Agent = {
  name: "fake",
  dir: FAKE_AGENT_DIR,
  startArgs: ["agent.ts", "--runtime", "bun", "--skip-sdk-check"],
  weather: "The weather in Paris is sunny with a temperature of 70 degrees.",
};
const PYTHON: Agent = { name: "python", dir: PYTHON_AGENT.dir, startArgs: [], weather: FAKE.weather };

/**
 * start; say "Hi, what can you do?"; say "…"; logs --last 40; chat-history; events; stop --chat-history,
 * each under `lk agent GROUP`, the port from LK_SESSION_PORT so that every command is as written.
 */
async function typicalFlow(group: string, agent: Agent): Promise<void> {
  box = await Sandbox.create();
  const sandbox = box;
  const env = { LK_SESSION_PORT: String(sandbox.port) };
  const lk = (args: string[]): Promise<RunResult> =>
    sandbox.lk(["agent", group, ...args], { cwd: agent.dir, env });

  const start = await lk(["start", ...agent.startArgs]);
  expect(start.code).toBe(0);
  expect(start.stdout).toContain("Session started.");

  const hi = await lk(["say", "Hi, what can you do?"]);
  expect(hi.code).toBe(0);
  expect(hi.stdout).toContain("● You\n    Hi, what can you do?");
  expect(hi.stdout).toContain("● Agent\n    Hi, what can you do?");

  const weather = await lk(["say", SECOND]);
  expect(weather.code).toBe(0);
  // Python's JSON has a space after the colon.
  expect(weather.stdout).toMatch(/function_tool: lookup_weather \{"location": ?"Paris"\}/);
  expect(weather.stdout).toContain(agent.weather);

  const logs = await lk(["logs", "--last", "40"]);
  expect(logs.code).toBe(0);
  const lines = logs.stdout.split("\n").filter(Boolean);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(40);

  const history = await lk(["chat-history"]);
  expect(history.code).toBe(0);
  expect(history.stdout).toContain("● You\n    Hi, what can you do?");
  expect(history.stdout).toContain(`● You\n    ${SECOND}`);
  expect(history.stdout).toContain(agent.weather);

  // events runs until the session ends: in the background here, ended by stop.
  const events = watchLk(sandbox, ["agent", group, "events"], env);
  expect(await events.until(`Agent: ${agent.weather}`)).toBe(true);

  const stop = await lk(["stop", "--chat-history"]);
  expect(stop.code).toBe(0);
  expect(stop.stdout).toContain(`● You\n    ${SECOND}`);
  expect(stop.stdout).toContain("Session ended.\n  turns:        2\n");
  expect(stop.stdout.indexOf(agent.weather)).toBeLessThan(stop.stdout.indexOf("Session ended."));

  const fed = await events.finished();
  expect(fed.code).toBe(0);
  expect(fed.stdout).toContain("You: Hi, what can you do?");
  expect(await portIsFree(sandbox.port)).toBe(true);
}

describe("the official CLI's typical flow, with the fake agent", () => {
  for (const group of ["debugger", "dbg", "daemon"]) {
    test(`lk agent ${group}`, () => typicalFlow(group, FAKE), SLOW);
  }
});

describe("the official CLI's typical flow, with the real Python echo agent", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));
  for (const group of ["debugger", "dbg"]) {
    test(`lk agent ${group}`, () => typicalFlow(group, PYTHON), SLOW);
  }
});

describe("its names and flags", () => {
  test("help: the aliases listed, the hidden one not; the canonical path on every page", async () => {
    box = await Sandbox.create();
    const agent = await box.lk(["agent", "--help"]);
    expect(agent.stdout).toContain("session, debugger, dbg ");
    expect(agent.stdout).not.toContain("daemon");
    const page = await box.lk(["agent", "dbg", "chat-history", "--help"]);
    expect(page.stdout).toStartWith("USAGE lk agent session history");
    expect(page.stdout).toContain("Also: lk agent session chat-history, lk agent session transcript");
  });

  test("durations on --idle-timeout and --timeout; transcript is history; logs takes -n and --lines", async () => {
    const sandbox = await Sandbox.create();
    box = sandbox;
    const dbg = (args: string[]) =>
      sandbox.lk(["agent", "dbg", ...args, "--port", String(sandbox.port)], { cwd: FAKE_AGENT_DIR });
    const start = await dbg(["start", ...FAKE.startArgs, "--idle-timeout", "1h30m", "--timeout", "90s"]);
    expect(start.code).toBe(0);
    expect((await dbg(["status"])).stdout).toContain("idle timeout: 1h30m (");
    expect((await dbg(["say", "hello", "--timeout", "2m"])).code).toBe(0);
    const transcript = await dbg(["transcript", "--json"]);
    expect(JSON.parse(transcript.stdout.trim().split("\n").at(-1) as string)).toMatchObject({
      command: "history",
      ok: true,
    });
    for (const flag of ["-n", "--lines", "--last"]) {
      const logs = await dbg(["logs", flag, "1"]);
      expect(logs.code).toBe(0);
      expect(logs.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    }
    const bad = await dbg(["logs", "--last", "many", "--json"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(bad.stdout).error).toBe('--last must be a whole number (got "many")');
  });
});
