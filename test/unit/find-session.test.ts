// The one "is there a session on this port?": each kind of answer, from a real state folder and port.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clockTime } from "../../src/render/time.ts";
import { findSession, notRunning, runningSession } from "../../src/session/find-session.ts";
import { removeEnded, writeEnded } from "../../src/state/ended-file.ts";
import { statePath, writeState } from "../../src/state/session-file.ts";
import { fakeState } from "../helpers/fake-session.ts";
import { freePort } from "../helpers/lk.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-find-"));
const saved = process.env.LK_SESSION_STATE_DIR;
beforeAll(() => {
  process.env.LK_SESSION_STATE_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LK_SESSION_STATE_DIR;
  else process.env.LK_SESSION_STATE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** A pid that is surely not running: a child that has exited. */
function deadPid(): number {
  const child = Bun.spawnSync([process.execPath, "-e", ""]);
  return child.pid;
}

describe("findSession", () => {
  test("no record, nothing listening: none", async () => {
    const port = await freePort();
    const found = await findSession(port);
    expect(found).toEqual({ kind: "none", port });
    expect(notRunning(found as never).message).toBe(
      `no session running on 127.0.0.1:${port} (run \`lk agent session start --port ${port}\` first)`,
    );
  });

  test("a record whose daemon is gone: cleaned up, stale, with notes", async () => {
    const port = await freePort();
    const pid = deadPid();
    writeState(fakeState({ port, daemonPid: pid, agent: { ...fakeState().agent, pid: deadPid() } }));
    const found = await findSession(port);
    expect(found).toEqual({
      kind: "stale",
      port,
      notes: [`removed a stale session record: its daemon (pid ${pid}) is gone`],
    });
    expect(existsSync(statePath(port))).toBe(false);
    expect(() => runningSession(found)).toThrow("no session running");
  });

  test("no session of ours but a listener on the port: foreign", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const found = await findSession(server.port);
      expect(found).toEqual({ kind: "foreign", port: server.port, notes: [] });
      expect(() => runningSession(found)).toThrow("another program is listening there");
    } finally {
      server.stop(true);
    }
  });

  test("a live daemon of ours: running, with its record", async () => {
    const port = await freePort();
    const daemon = Bun.spawn([
      process.execPath,
      "-e",
      "setInterval(() => {}, 1e6)",
      "agent",
      "session",
      "daemon",
    ]);
    try {
      writeState(fakeState({ port, daemonPid: daemon.pid }));
      const found = await findSession(port, { thorough: true });
      expect(found.kind).toBe("running");
      expect(runningSession(found).daemonPid).toBe(daemon.pid);
    } finally {
      daemon.kill();
      await daemon.exited;
    }
  });
});

describe("a session that ended itself", () => {
  test("the next command says when and why, and where the log is; a new session's start clears it", async () => {
    const port = await freePort();
    const at = new Date();
    writeEnded({
      version: 1,
      port,
      at: at.toISOString(),
      reason: "idle",
      detail: "no command for 2 s (--idle-timeout)",
      idleTimeoutMs: 2000,
      turns: 3,
      agentLog: "/state/agent.log",
    });
    const found = await findSession(port);
    expect(found).toMatchObject({ kind: "none", port, ended: { reason: "idle", turns: 3 } });
    const error = notRunning(found as never);
    expect(error.message).toBe(
      `the session on 127.0.0.1:${port} ended at ${clockTime(at.getTime())} for being idle: no command for 2s (its --idle-timeout)`,
    );
    expect(error.detail).toEqual([
      "its agent log is kept until the next start: /state/agent.log",
      `start a new one with \`lk agent session start --port ${port}\` (--idle-timeout 0: never end)`,
    ]);
    removeEnded(port);
    expect(await findSession(port)).toEqual({ kind: "none", port });
  });

  test("another reason is told as the daemon wrote it", async () => {
    const port = await freePort();
    writeEnded({
      version: 1,
      port,
      at: new Date().toISOString(),
      reason: "agent-exited",
      detail: "the agent exited with code 6",
      turns: 0,
      agentLog: "/state/agent.log",
    });
    expect(notRunning((await findSession(port)) as never).message).toEndWith(
      ": the agent exited with code 6",
    );
    removeEnded(port);
  });
});
