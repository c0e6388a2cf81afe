// `end`'s decisions with a fake session client: the transcript first, then the stop, never the other way.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import end, { type EndOptions } from "../../src/commands/end.ts";
import { env, FAKE_SUMMARY, fake, fakeState, PORT } from "../helpers/fake-session.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-end-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (over: Partial<EndOptions> = {}): EndOptions => ({
  json: false,
  port: PORT,
  transcript: undefined,
  saveTest: undefined,
  chatHistory: false,
  logs: false,
  clean: false,
  ...over,
});

describe("end", () => {
  test("parse: --transcript is resolved against the working directory", () => {
    expect(end.parse(["--transcript", "talk.md"], env({}, { cwd: "/home/me" })).transcript).toBe(
      "/home/me/talk.md",
    );
    expect(end.parse([], env()).transcript).toBeUndefined();
  });

  test("stops the session and says how it went: turns, duration, the agent at the end, the log", async () => {
    const f = fake({ command: "end" });
    const outcome = await end.run(options(), f.io);
    expect(f.stops).toHaveLength(1);
    expect(f.out()).toBe(
      [
        "Session ended.",
        "  turns:        1",
        "  duration:     1h02m",
        "  active agent: echo_agent",
        "  logs kept:    /state/session-8775.agent.log  (lk agent session logs --run last to read them)",
        "",
      ].join("\n"),
    );
    // The folder of this fake session has no files: none are listed as kept.
    expect(outcome.fields).toEqual({ port: PORT, summary: FAKE_SUMMARY, logsKept: [] });
  });

  test("the session's cumulative usage, when the agent reported some", async () => {
    const usage = [
      { kind: "llm" as const, provider: "echo", model: "echo-1", inputTokens: 20, outputTokens: 10 },
    ];
    const f = fake({ command: "end", ended: { ...FAKE_SUMMARY, agentId: "billing\x07", usage } });
    const outcome = await end.run(options(), f.io);
    expect(f.out()).toContain(
      ["  active agent: billing\\x07", "  usage:        20 → 10 tokens (echo/echo-1)", "  logs kept:"].join(
        "\n",
      ),
    );
    expect(outcome.fields).toMatchObject({ summary: { usage } });
  });

  test("a daemon gone before it could answer: just ended, no summary", async () => {
    const f = fake({ command: "end", ended: undefined });
    const outcome = await end.run(options(), f.io);
    expect(f.out()).toStartWith("Session ended.\n");
    expect(outcome.fields).toEqual({ port: PORT, logsKept: [] });
  });

  test("parse: --chat-history and --logs", () => {
    expect(end.parse(["--chat-history", "--logs"], env())).toMatchObject({ chatHistory: true, logs: true });
    expect(end.parse([], env())).toMatchObject({ chatHistory: false, logs: false });
  });

  test("--chat-history: the conversation first, then the stop and the summary", async () => {
    const f = fake({
      command: "end",
      answer: (cmd) => ({
        events: cmd.cmd === "history" ? [{ type: "message", role: "user", text: "weather in Lima?" }] : [],
      }),
    });
    const outcome = await end.run(options({ chatHistory: true }), f.io);
    expect(f.sent).toEqual([{ cmd: "history" }]);
    expect(f.out()).toStartWith("\n  ● You\n    weather in Lima?\n\nSession ended.\n");
    expect(outcome.fields?.events).toHaveLength(1);
  });

  test("--logs: the agent's whole log, its rotated part first, before the summary", async () => {
    const log = join(dir, "agent.log");
    writeFileSync(`${log}.1`, "older line\n");
    writeFileSync(log, "\x1b[32mINFO\x1b[0m newer line\r\n");
    const text = fake({
      command: "end",
      found: { kind: "running", port: PORT, state: fakeState({ agentLog: log }) },
    });
    await end.run(options({ logs: true }), text.io);
    expect(text.out()).toStartWith("older line\nINFO newer line\nSession ended.\n");
    const g = fake({
      command: "end",
      json: true,
      found: { kind: "running", port: PORT, state: fakeState({ agentLog: log }) },
    });
    await end.run(options({ logs: true, json: true }), g.io);
    expect(g.lines()).toEqual([
      { v: 1, kind: "log", line: "older line" },
      // --json keeps each line as the agent wrote it.
      { v: 1, kind: "log", line: "\x1b[32mINFO\x1b[0m newer line\r" },
    ]);
  });

  test("--transcript: the history is written before the session stops", async () => {
    const file = join(dir, "talk.md");
    const f = fake({
      command: "end",
      answer: (cmd) => ({
        events: cmd.cmd === "history" ? [{ type: "message", role: "user", text: "weather in Lima?" }] : [],
      }),
    });
    const outcome = await end.run(options({ transcript: file }), f.io);
    // With the conversations before any restart: the transcript is the whole session's.
    expect(f.sent).toEqual([{ cmd: "history", earlierRuns: true }]);
    expect(f.stops).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toContain("**You:** weather in Lima?");
    expect(readFileSync(file, "utf8")).not.toContain("restart");
    expect(outcome.fields).toEqual({ port: PORT, transcript: file, summary: FAKE_SUMMARY, logsKept: [] });
  });

  test("--transcript of a restarted session: every run, each restart marked, from the first start", async () => {
    const file = join(dir, "runs.md");
    const f = fake({
      command: "end",
      found: {
        kind: "running",
        port: PORT,
        state: fakeState({ sessionStartedAt: "2025-12-31T23:00:00.000Z" }),
      },
      answer: () => ({
        events: [
          { type: "message", role: "user", text: "first run" },
          { type: "restart" },
          { type: "message", role: "user", text: "second run" },
        ],
      }),
    });
    const json = join(dir, "runs.json");
    await end.run(options({ transcript: file, chatHistory: true }), f.io);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("- started: 2025-12-31T23:00:00.000Z");
    expect(text).toContain("- restarts: 1 (each marked below)");
    expect(text.indexOf("first run")).toBeLessThan(text.indexOf("the agent restarted"));
    expect(text.indexOf("the agent restarted")).toBeLessThan(text.indexOf("second run"));
    // --chat-history shows the running agent's conversation, as `history` does.
    expect(f.out()).toContain("second run");
    expect(f.out()).not.toContain("first run");
    // A run whose agent did not give its history: its marker says so, in words and in JSON.
    const lost = join(dir, "lost.md");
    const h = fake({
      command: "end",
      answer: () => ({ events: [{ type: "restart", unread: "the agent did not answer in time" }] }),
    });
    await end.run(options({ transcript: lost }), h.io);
    expect(readFileSync(lost, "utf8")).toContain(
      "*(the conversation before this restart is missing: the agent did not give it: the agent did not answer in time)*",
    );
    const g = fake({ command: "end", json: true, answer: () => ({ events: [{ type: "restart" }] }) });
    await end.run(options({ transcript: json, json: true }), g.io);
    expect(JSON.parse(readFileSync(json, "utf8")).events).toMatchObject([{ type: "restart" }]);
  });

  test("a transcript that cannot be fetched or written leaves the session running", async () => {
    const failing = fake({ command: "end", answer: () => ({ done: { ok: false, error: "busy" } }) });
    await expect(end.run(options({ transcript: join(dir, "x.md") }), failing.io)).rejects.toThrow(
      "could not get the conversation for the transcript: busy",
    );
    expect(failing.stops).toEqual([]);
    const unwritable = fake({ command: "end" });
    await expect(end.run(options({ transcript: "/nonexistent-dir/t.md" }), unwritable.io)).rejects.toThrow(
      "could not write the transcript to /nonexistent-dir/t.md",
    );
    expect(unwritable.stops).toEqual([]);
  });

  test("no session: nothing to stop", async () => {
    const f = fake({ command: "end", found: { kind: "none", port: PORT } });
    await expect(end.run(options(), f.io)).rejects.toThrow("no session running");
    expect(f.stops).toEqual([]);
  });
});
