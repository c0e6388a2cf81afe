// However a session ends (its daemon killed, its agent gone on its own, a Ctrl-C of start, a failed
// transcript), nothing is left running or half-written, and the next command says what happened.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanupAll,
  FAKE_AGENT_DIR,
  LK,
  portIsFree,
  processAlive,
  type RunResult,
  Sandbox,
  tempDir,
} from "../helpers/lk.ts";

let box: Sandbox;
/** Pids a test saw: whatever of them survives a failed test is killed, not left behind. */
const seen: number[] = [];
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  for (const pid of seen.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await box.cleanup();
});
afterAll(cleanupAll);

const record = () => join(box.stateDir, `session-${box.port}.json`);
const agentLogPath = () => join(box.stateDir, `session-${box.port}.agent.log`);
function stateOf(): { daemonPid: number; agent: { pid: number } } {
  return JSON.parse(readFileSync(record(), "utf8"));
}

/** Waits until the agent log has `pattern` (its output reaches the log asynchronously). */
async function fromAgentLog(pattern: RegExp): Promise<number> {
  for (let i = 0; i < 250; i++) {
    const found = existsSync(agentLogPath()) ? pattern.exec(readFileSync(agentLogPath(), "utf8")) : null;
    if (found) return Number(found[1]);
    await Bun.sleep(20);
  }
  throw new Error(`the agent log never showed ${pattern}`);
}

/** The agent, its child and a `sleep` that left its process group (FAKE_SPAWN_SETSID), all alive. */
async function startFamily(): Promise<number[]> {
  expect((await box.startFake({ FAKE_SPAWN_CHILD: "1", FAKE_SPAWN_SETSID: "1" })).code).toBe(0);
  const { daemonPid, agent } = stateOf();
  const family = [
    agent.pid,
    await fromAgentLog(/child pid (\d+)/),
    await fromAgentLog(/setsid child pid (\d+)/),
  ];
  seen.push(daemonPid, ...family);
  expect(family.filter(processAlive)).toEqual(family);
  return family;
}

/** Processes whose command line names the session's address: its agent, and the watchdog. */
function onThePort(): number[] {
  const out = Bun.spawnSync(["pgrep", "-f", `127.0.0.1:${box.port}`]).stdout.toString();
  return out.split("\n").filter(Boolean).map(Number);
}

/** Linux: processes whose environment carries the session's marker (read from the agent before it went). */
function marked(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(marker))
        found.push(Number(name));
    } catch {}
  }
  return found;
}

/** Polls until `done` or the deadline; the caller asserts afterwards. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await Bun.sleep(20);
}

describe.skipIf(process.platform === "win32")("the daemon killed with SIGKILL (Linux and macOS)", () => {
  test("the agent, its child and its setsid grandchild are gone within 3 s, with no further command", async () => {
    const family = await startFamily();
    const { daemonPid } = stateOf();
    const marker =
      process.platform === "linux"
        ? readFileSync(`/proc/${family[0]}/environ`, "utf8")
            .split("\0")
            .find((v) => v.startsWith("LK_SESSION_AGENT_ID="))
        : undefined;
    process.kill(daemonPid, "SIGKILL");
    await until(() => family.every((pid) => !processAlive(pid)) && onThePort().length === 0, 3000);
    expect(family.filter(processAlive)).toEqual([]);
    // The watchdog went with them.
    expect(onThePort()).toEqual([]);
    if (process.platform === "linux") {
      expect(marker).toMatch(/^LK_SESSION_AGENT_ID=[0-9a-f]{32}$/);
      expect(marked(marker as string)).toEqual([]);
    }
  });
});

test("the hidden reap command refuses to run by hand", async () => {
  const run = await box.lk(["agent", "session", "reap"]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("this is internal: a session's watchdog runs it when its daemon dies");
  expect(run.stderr).toContain("lk agent session end");
});

describe.skipIf(process.platform === "win32")("end (Linux and macOS)", () => {
  test("leaves no descendant, not even one that left the process group, and no watchdog", async () => {
    const family = await startFamily();
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    expect(family.filter(processAlive)).toEqual([]);
    expect(onThePort()).toEqual([]);
  });
});

describe("an agent that exits on its own after the session started", () => {
  test("the next command says the session ended, when and why, with the agent's last lines", async () => {
    expect((await box.startFake()).code).toBe(0);
    const { daemonPid } = stateOf();
    // The turn succeeds; the agent exits with code 6 a moment later.
    expect((await box.session(["say", "!exit 6 then go"])).code).toBe(0);
    await until(() => !processAlive(daemonPid), 5000);
    expect(processAlive(daemonPid)).toBe(false);

    for (const args of [["say", "hello?"], ["status"], ["history"]]) {
      const run = await box.session(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toStartWith(
        `the session on 127.0.0.1:${box.port} ended at ${clock(run)}: the agent exited with code 6`,
      );
      expect(run.stderr).toContain("fake-agent: exiting with code 6 as asked");
      expect(run.stderr).toContain(`full agent log: ${agentLogPath()}`);
      expect(run.stderr).toContain("lk agent session start");
    }
    const json = await box.session(["say", "hello?", "--json"]);
    const lines = json.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0] as string);
    expect(result).toMatchObject({ kind: "result", ok: false, exitCode: 1 });
    expect(result.error).toContain("ended at");
    expect(result.error).toContain("the agent exited with code 6");
    expect(result.detail.join("\n")).toContain("fake-agent: exiting with code 6 as asked");

    // logs still shows that agent's log, and says the session is over.
    const logs = await box.session(["logs"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("fake-agent: exiting with code 6 as asked");
    expect(logs.stdout).toContain("turn: !exit 6 then go");
    expect(logs.stderr).toContain(`the session on 127.0.0.1:${box.port} ended at`);

    // Until the next start on the port, which forgets it.
    expect((await box.startFake()).code).toBe(0);
    expect((await box.session(["logs"])).stdout).not.toContain("exiting with code 6");
    expect((await box.session(["end"])).code).toBe(0);
    const after = await box.session(["say", "hello?"]);
    expect(after.stderr).toContain(`the session on 127.0.0.1:${box.port} ended at`);
    expect(after.stderr).toContain("it was ended (`lk agent session end`)");
    // The agent's logs, which a clean end keeps: this run's, and the one before it (the one that
    // exited); and the record of that end.
    expect(readdirSync(box.stateDir).sort()).toEqual([
      `session-${box.port}.agent.log`,
      `session-${box.port}.agent.prev-1.log`,
      `session-${box.port}.ended.json`,
    ]);
  });
});

/** The time the message gives ("ended at HH:MM:SS", with the date once it is another day), checked for its form. */
function clock(run: RunResult): string {
  return /ended at ((?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d)/.exec(run.stderr)?.[1] ?? "(no time given)";
}

describe("Ctrl-C of start", () => {
  for (const json of [false, true]) {
    test(`cancels it${json ? " (--json: one result line)" : ""}: exit 130, daemon and agent stopped, port free, state folder clean`, async () => {
      const args = ["agent", "session", "start", "agent.ts", "--runtime", "bun", "--skip-sdk-check"];
      const child = Bun.spawn([LK, ...args, "--port", String(box.port), ...(json ? ["--json"] : [])], {
        cwd: FAKE_AGENT_DIR,
        env: box.env({ FAKE_CONNECT_DELAY_MS: "20000" }) as Record<string, string>,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const stdout = new Response(child.stdout).text();
      const stderr = new Response(child.stderr).text();
      // The agent has been spawned (and is slow to connect).
      await until(() => existsSync(record()), 10_000);
      const { daemonPid, agent } = stateOf();
      seen.push(daemonPid, agent.pid);
      child.kill("SIGINT");
      expect(await child.exited).toBe(130);
      expect(processAlive(daemonPid)).toBe(false);
      expect(processAlive(agent.pid)).toBe(false);
      expect(await portIsFree(box.port)).toBe(true);
      expect(readdirSync(box.stateDir)).toEqual([]);
      if (json) {
        const lines = (await stdout).trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0] as string)).toMatchObject({ command: "start", ok: false, exitCode: 130 });
        expect(await stderr).toBe("");
      } else {
        expect(await stderr).toContain("interrupted");
      }
    });
  }
});

describe("end --transcript", () => {
  test("to a folder: refused clearly, no temporary file left beside it, the session still running", async () => {
    expect((await box.startFake()).code).toBe(0);
    const parent = tempDir("lk-transcript-");
    const folder = join(parent, "talks");
    await Bun.write(join(folder, "keep.md"), "kept\n");
    for (const json of [false, true]) {
      const end = await box.session(["end", "--transcript", folder, ...(json ? ["--json"] : [])]);
      expect(end.code).toBe(1);
      const message = json ? JSON.parse(end.stdout.trim()).error : end.stderr;
      expect(message).toContain(`could not write the transcript to ${folder}: it is a folder`);
      expect(readdirSync(parent)).toEqual(["talks"]);
      expect(readdirSync(folder)).toEqual(["keep.md"]);
    }
    expect((await box.session(["status"])).code).toBe(0);
    expect(readdirSync(box.stateDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
