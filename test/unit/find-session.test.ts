// The one "is there a session on this port?": each kind of answer, from a real state folder and port.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UserError } from "../../src/errors.ts";
import { endedSentence, findSession, notRunning, runningSession } from "../../src/session/find-session.ts";
import { type EndedRecord, removeEnded, writeEnded } from "../../src/state/ended-record.ts";
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

  test("a record whose daemon is gone: cleaned up, stale, with notes; then ended, with the start command", async () => {
    const port = await freePort();
    const pid = deadPid();
    const agent = { ...fakeState().agent, pid: deadPid(), runtimeArgs: ["-X", "dev"] };
    const launch = { connectTimeoutMs: 60_000, skipSdkCheck: false, env: { MODE: "a b", API_KEY: null } };
    writeState(fakeState({ port, daemonPid: pid, agent, launch }));
    const found = await findSession(port);
    expect(found).toMatchObject({
      kind: "stale",
      port,
      notes: [`removed a stale session record: its daemon (pid ${pid}) is gone`],
      ended: { why: `its daemon (pid ${pid}) was found gone (killed, or it crashed)` },
    });
    expect(existsSync(statePath(port))).toBe(false);
    const start = `to start it again, run: lk agent session start /work/agent/agent.mjs --port ${port} --env 'MODE=a b' --env API_KEY -- -X dev`;
    let error = caught(() => runningSession(found));
    expect(error.message).toStartWith(`the session on 127.0.0.1:${port} ended at `);
    expect(error.detail).toContain(`removed a stale session record: its daemon (pid ${pid}) is gone`);
    const note = "(the value of API_KEY is not kept: export it in that shell first)";
    expect(error.detail.slice(-2)).toEqual([start, note]);
    // The next command finds the record it left: the same story, the same command.
    const later = await findSession(port);
    expect(later.kind).toBe("ended");
    error = notRunning(later as never);
    expect(error.message).toContain(`its daemon (pid ${pid}) was found gone`);
    expect(error.detail.slice(-2)).toEqual([start, note]);
    removeEnded(port);
  });

  test("an ended record, nothing listening: ended, and the error says when and why", async () => {
    const port = await freePort();
    const ended: EndedRecord = {
      version: 1,
      port,
      endedAt: new Date().toISOString(),
      why: "the agent exited with code 6",
      agentLog: "/state/agent.log",
      lastLines: ["last words"],
    };
    writeEnded(ended);
    const found = await findSession(port);
    expect(found).toEqual({ kind: "ended", port, ended });
    const error = notRunning(found as never);
    expect(error.message).toMatch(
      new RegExp(
        `^the session on 127\\.0\\.0\\.1:${port} ended at \\d\\d:\\d\\d:\\d\\d: the agent exited with code 6$`,
      ),
    );
    expect(error.detail).toContain("  last words");
  });

  test("the end's time has its date once it was another day", () => {
    const ended = { endedAt: "2026-01-02T03:04:05.000Z", why: "why" } as EndedRecord;
    const local = new Date(ended.endedAt);
    const sameDay = endedSentence(ended, local);
    expect(sameDay).toMatch(/^ended at \d\d:\d\d:05: why$/);
    expect(endedSentence(ended, new Date(local.getTime() + 3 * 86_400_000))).toMatch(
      /^ended at \d{4}-\d\d-\d\d \d\d:\d\d:05: why$/,
    );
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

function caught(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    return error as UserError;
  }
  throw new Error("it did not throw");
}
