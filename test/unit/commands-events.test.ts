// `events`'s decisions with a fake session client.

import { describe, expect, test } from "bun:test";
import { interrupted } from "../../src/cli/runner.ts";
import events from "../../src/commands/events.ts";
import { parseRequest } from "../../src/protocol/control.ts";
import { env, fake, PORT } from "../helpers/fake-session.ts";

describe("events", () => {
  test("parse: --last/-n from 0 to 500 (default 50), --logs", () => {
    expect(events.parse([], env())).toEqual({ json: false, port: PORT, last: 50, logs: false });
    expect(events.parse(["-n", "0", "--logs", "--json"], env())).toEqual({
      json: true,
      port: PORT,
      last: 0,
      logs: true,
    });
    expect(events.parse(["--last", "500"], env()).last).toBe(500);
    for (const bad of ["501", "-1", "2.5", "many"])
      expect(() => events.parse(["--last", bad], env())).toThrow(
        "--last must be a whole number from 0 to 500",
      );
  });

  test("a line per event, then why the session ended; the result counts them", async () => {
    const f = fake({
      command: "events",
      answer: () => ({
        events: [
          { type: "message", role: "user", text: "hi" },
          { type: "state", agent: "thinking" },
        ],
        done: { ok: true, data: { ended: "end requested" } } as never,
      }),
    });
    const outcome = await events.run({ json: false, port: PORT, last: 5, logs: true }, f.io);
    expect(f.sent).toEqual([{ cmd: "events", last: 5, logs: true }]);
    const lines = f.out().trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}You: hi$/);
    expect(lines[1]).toMatch(/ {2}agent state: thinking$/);
    expect(lines[2]).toMatch(/ {2}session ended: end requested$/);
    // The feed is not kept in memory, however long it runs.
    expect(f.reporter.events).toEqual([]);
    expect(outcome.fields).toEqual({ events: 2, ended: "end requested" });
  });

  test("Ctrl-C is its ordinary end: exit 0, one result line under --json", () => {
    expect(events.interruptExitCode).toBe(0);
    const f = fake({ command: "events", json: true });
    expect(interrupted(f.reporter, events.interruptExitCode)).toBe(0);
    expect(f.lines()).toEqual([
      expect.objectContaining({
        kind: "result",
        command: "events",
        ok: true,
        exitCode: 0,
        interrupted: true,
      }),
    ]);
  });

  test("the control request is checked", () => {
    expect(parseRequest({ cmd: "events", last: 3, logs: true })).toEqual({
      cmd: "events",
      last: 3,
      logs: true,
    });
    expect(parseRequest({ cmd: "events", last: 501 })).toBe("events needs a whole number last, 0 to 500");
  });
});
