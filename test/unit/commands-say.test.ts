// `say`'s decisions, through parse() and run() with fake IO and a fake session: no binary, no daemon.

import { describe, expect, test } from "bun:test";
import say, { type SayOptions } from "../../src/commands/say.ts";
import { EXIT } from "../../src/protocol/exit-codes.ts";
import { env, fake, PORT } from "../helpers/fake-session.ts";

const options = (over: Partial<SayOptions> = {}): SayOptions => ({
  json: false,
  port: PORT,
  timeoutMs: 120_000,
  expectations: [],
  text: "hello",
  ...over,
});

describe("say: parse", () => {
  test("the words are the text; defaults for port and timeout", () => {
    const o = say.parse(["what", "is", "the", "weather?"], env());
    expect(o).toMatchObject({ text: "what is the weather?", port: PORT, timeoutMs: 120_000, json: false });
    expect(o.expectations).toEqual([]);
  });

  test("--expect repeats; --expect=VALUE takes a value that looks like an option", () => {
    const o = say.parse(["hi", "--expect", "sunny", "--expect=--json", "--json"], env());
    expect(o.expectations.map((e) => e.source)).toEqual(["sunny", "--json"]);
    expect(o.json).toBe(true);
  });

  test("--expect followed by one of say's own options is refused, with the way to mean it", () => {
    expect(() => say.parse(["hi", "--expect", "--json"], env())).toThrow(
      "--expect needs a value, but the next argument is the option --json",
    );
    try {
      say.parse(["hi", "--expect", "--json"], env());
    } catch (error) {
      expect((error as { detail: string[] }).detail).toContain(
        'if "--json" is the value, write --expect=--json',
      );
    }
  });

  test("a missing value, an unknown option and a repeated --timeout are refused", () => {
    expect(() => say.parse(["hi", "--expect"], env())).toThrow("--expect needs a value");
    expect(() => say.parse(["hi", "--expects", "x"], env())).toThrow("unknown option --expects");
    expect(() => say.parse(["hi", "--timeout", "1", "--timeout", "2"], env())).toThrow(
      "--timeout was given twice",
    );
  });

  test("negative numbers are text, and so is everything after --", () => {
    expect(say.parse(["-5", "degrees"], env()).text).toBe("-5 degrees");
    expect(say.parse(["--", "--json", "-x"], env()).text).toBe("--json -x");
  });

  test("a negative --timeout is taken as its value, then refused as a timeout", () => {
    expect(() => say.parse(["hi", "--timeout", "-5"], env())).toThrow(
      "--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds",
    );
  });

  test("stdin: with `-`, or with no words when stdin is not a terminal; empty text is refused", () => {
    expect(say.parse(["-"], env()).text).toBeUndefined();
    expect(say.parse([], env({}, { stdinIsTerminal: false })).text).toBeUndefined();
    expect(() => say.parse([], env())).toThrow("nothing to say");
    expect(() => say.parse(["   "], env())).toThrow("nothing to say");
  });

  test("the port from --port, else LK_SESSION_PORT; bad ones are refused", () => {
    expect(say.parse(["hi"], env({ LK_SESSION_PORT: "9001" })).port).toBe(9001);
    expect(say.parse(["hi", "--port", "9002"], env({ LK_SESSION_PORT: "9001" })).port).toBe(9002);
    expect(() => say.parse(["hi", "--port", "99999"], env())).toThrow("--port must be a whole number");
    expect(() => say.parse(["hi"], env({ LK_SESSION_PORT: "abc" }))).toThrow("LK_SESSION_PORT must be");
  });

  test("an invalid expectation is refused at parse time, before anything is sent", () => {
    expect(() => say.parse(["hi", "--expect", "(unclosed"], env())).toThrow(
      'invalid expectation "(unclosed"',
    );
  });
});

describe("say: run", () => {
  test("sends the turn, renders its events, reports text, reply and events", async () => {
    const f = fake({ command: "say" });
    const outcome = await say.run(options(), f.io);
    expect(f.sent).toEqual([{ cmd: "say", text: "hello", timeoutMs: 120_000 }]);
    expect(f.out()).toContain("● You\n    hello");
    expect(f.out()).toContain("● Agent\n    hello");
    expect(outcome.exitCode).toBe(EXIT.ok);
    expect(outcome.fields).toMatchObject({ text: "hello", reply: "hello" });
    expect(outcome.fields?.expectations).toBeUndefined();
  });

  test("expectations that hold: each {pattern, negated, ok}, exit 0", async () => {
    const f = fake({ command: "say", json: true });
    const o = say.parse(["hello", "--expect", "hel+o", "--json"], env());
    const code = f.report(await say.run(o, f.io));
    expect(code).toBe(0);
    const result = f.lines().at(-1) as Record<string, unknown>;
    expect(result.expectations).toEqual([{ pattern: "hel+o", negated: false, ok: true }]);
  });

  test("an expectation that fails: exit 2, the same shape, the reply shown", async () => {
    const f = fake({ command: "say" });
    const o = say.parse(["hello", "--expect", "sunny"], env());
    const outcome = await say.run(o, f.io);
    expect(outcome.fields?.expectations).toEqual([{ pattern: "sunny", negated: false, ok: false }]);
    expect(f.report(outcome)).toBe(EXIT.expectation);
    expect(f.err()).toContain("- expected to match: sunny");
    expect(f.err()).toContain("+ the agent replied:\n      hello");
  });

  test("a failed turn keeps its exit code (a timeout is 124) and shows the agent's output", async () => {
    const f = fake({
      command: "say",
      answer: () => ({ done: { ok: false, code: "timeout", error: "too slow", detail: ["last line"] } }),
    });
    const code = f.report(await say.run(options(), f.io));
    expect(code).toBe(EXIT.timeout);
    expect(f.err()).toContain("too slow");
    expect(f.err()).toContain("agent output (last lines):");
  });

  test("no session: the one no-session error, and nothing is sent", async () => {
    const f = fake({
      command: "say",
      found: { kind: "stale", port: PORT, notes: ["removed a stale record"] },
    });
    await expect(say.run(options(), f.io)).rejects.toThrow(`no session running on 127.0.0.1:${PORT}`);
    expect(f.sent).toEqual([]);
    const foreign = fake({ command: "say", found: { kind: "foreign", port: PORT, notes: [] } });
    await expect(say.run(options(), foreign.io)).rejects.toThrow("another program is listening there");
  });

  test("a failure once the text is known still reports the text, an empty reply and no events", async () => {
    const f = fake({ command: "say", json: true, found: { kind: "none", port: PORT } });
    const error = await say.run(options(), f.io).catch((e: unknown) => e);
    f.reporter.fail(error);
    expect(f.lines().at(-1)).toMatchObject({ ok: false, text: "hello", reply: "", events: [] });
  });

  test("text from stdin, its last newline dropped", async () => {
    const f = fake({ command: "say", stdin: "from a pipe\n" });
    await say.run(options({ text: undefined }), f.io);
    expect(f.sent[0]).toMatchObject({ text: "from a pipe" });
  });

  test("--json: one line per event, then one result line; nothing on stderr", async () => {
    const f = fake({ command: "say", json: true });
    f.report(await say.run(options({ json: true }), f.io));
    const lines = f.lines();
    expect(lines.map((l) => l.kind)).toEqual(["event", "event", "result"]);
    expect(lines.at(-1)).toMatchObject({ command: "say", ok: true, exitCode: 0, reply: "hello" });
    expect(f.err()).toBe("");
  });
});
