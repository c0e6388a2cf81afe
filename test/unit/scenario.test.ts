// The scenario format: what a valid file becomes, and every kind of bad input as `file:line: …`.

import { describe, expect, test } from "bun:test";
import { MAX_TURN_TEXT_BYTES } from "../../src/protocol/limits.ts";
import { parseScenario } from "../../src/session/scenario.ts";
import { syntaxErrorLine, YamlLines } from "../../src/session/yaml-lines.ts";

const ISSUE_EXAMPLE = `name: weather, then billing          # optional; default: the file name
agent: ../agent.py
args: ["-X", "dev"]
env: { MY_FLAG: "1", LEVEL: 2 }
timeout: 60s
turns:
  - user: what's the weather in Paris?
    expect:
      - tool: lookup_weather
        args: { location: Paris }
        output: /sunny/
      - reply: /sunny/i
      - no_tool: transfer_to_billing
      - latency: { e2e: 2s, turn: 3s }
  - user: transfer me to billing
    expect:
      - handoff: billing_agent
        from: echo_agent
      - reply: { not: /error/ }
      - error: false
`;

/** The message and detail lines of what `parseScenario` throws. */
function problems(content: string, file = "t.lktest.yaml"): string[] {
  try {
    parseScenario(content, file);
  } catch (error) {
    return [(error as Error).message, ...(error as { detail: string[] }).detail];
  }
  throw new Error("expected the scenario to be refused");
}

describe("a valid scenario", () => {
  test("the issue's example, every key", () => {
    const s = parseScenario(ISSUE_EXAMPLE, "tests/weather.lktest.yaml");
    expect(s).toMatchObject({
      file: "tests/weather.lktest.yaml",
      name: "weather, then billing",
      agent: "../agent.py",
      agentLine: 2,
      args: ["-X", "dev"],
      env: { MY_FLAG: "1", LEVEL: "2" },
      timeoutMs: 60_000,
    });
    expect(s.turns.map((t) => [t.text, t.line])).toEqual([
      ["what's the weather in Paris?", 7],
      ["transfer me to billing", 15],
    ]);
    expect(s.turns[0]?.expectations.map((e) => e.kind)).toEqual(["tool", "reply", "no_tool", "latency"]);
    expect(s.turns[0]?.expectations[0]).toMatchObject({ kind: "tool", args: { location: "Paris" } });
    expect(s.turns[0]?.expectations[3]).toEqual({ kind: "latency", e2eMs: 2000, turnMs: 3000 });
    expect(s.turns[1]?.expectations).toMatchObject([
      { kind: "handoff", to: "billing_agent", from: "echo_agent" },
      { kind: "reply", negated: true },
      { kind: "error", expected: false },
    ]);
  });

  test("defaults: the file's name, 120 s per turn, no args or env; a turn without expectations", () => {
    const s = parseScenario("turns:\n- user: hi\n", "dir/greeting.lktest.yml");
    expect(s).toMatchObject({ name: "greeting", args: [], env: {}, timeoutMs: 120_000 });
    expect(s.agent).toBeUndefined();
    expect(s.turns).toEqual([{ text: "hi", line: 2, expectations: [] }]);
  });
});

describe("greeting:", () => {
  const reply = (e: { pattern: { source: string; test(t: string): boolean }; negated: boolean }) => [
    e.pattern.source,
    e.negated,
  ];

  test("a pattern, { not: pattern }, or a list of them; at its line; absent when not given", () => {
    const one = parseScenario("name: x\ngreeting: Hello\nturns:\n- user: hi\n", "t.lktest.yaml");
    expect(one.greeting?.line).toBe(2);
    expect(one.greeting?.expectations.map(reply)).toEqual([["Hello", false]]);
    // As a reply: text is a substring, case-sensitive.
    expect(one.greeting?.expectations[0]?.pattern.test("Hello! I'm the echo agent.")).toBe(true);
    expect(one.greeting?.expectations[0]?.pattern.test("hello")).toBe(false);
    const list = parseScenario("greeting:\n  - /hello/i\n  - { not: error }\nturns:\n- user: hi\n", "t.yaml");
    expect(list.greeting?.line).toBe(1);
    expect(list.greeting?.expectations.map(reply)).toEqual([
      ["/hello/i", false],
      ["error", true],
    ]);
    expect(parseScenario("turns:\n- user: hi\n", "t.yaml").greeting).toBeUndefined();
  });

  test("with audio: true and heard: in the same scenario: both kept", () => {
    const s = parseScenario(
      "audio: true\nspeed: 2\ngreeting: /hello/i\nturns:\n- user: hi\n  expect:\n  - heard: hi\n",
      "t.lktest.yaml",
    );
    expect(s.audio).toEqual({ speed: 2 });
    expect(s.greeting?.expectations.map(reply)).toEqual([["/hello/i", false]]);
    expect(s.turns[0]?.expectations.map((e) => e.kind)).toEqual(["heard"]);
  });

  test("malformed: file:line and what was expected", () => {
    expect(problems("greeting: 3\nturns:\n- user: hi\n")).toEqual([
      "t.lktest.yaml:1: greeting: expected a pattern (text to find, or /regex/flags), got a number (3)",
    ]);
    expect(problems("greeting: []\nturns:\n- user: hi\n")).toEqual([
      "t.lktest.yaml:1: greeting: expected a pattern, { not: pattern }, or a list of them (got an empty list)",
    ]);
    expect(problems("greeting: { nott: x }\nturns:\n- user: hi\n")).toEqual([
      't.lktest.yaml:1: unknown key "nott" in a reply expectation (expected not)',
      "t.lktest.yaml:1: greeting: expected a pattern, or { not: pattern }",
    ]);
    expect(problems("greeting:\n  - ok\n  - /(unclosed/\nturns:\n- user: hi\n")[0]).toStartWith(
      "t.lktest.yaml:3: greeting[1]: /(unclosed/ is not a valid regular expression",
    );
  });
});

describe("bad input: file:line and what was expected", () => {
  test("an empty file, and one of only comments", () => {
    expect(problems("")).toEqual([
      "t.lktest.yaml:1: the file is empty (expected a scenario: a mapping with `turns:`)",
    ]);
    expect(problems("# nothing yet\n")[0]).toContain("the file is empty");
  });

  test("not a mapping, no turns, empty turns", () => {
    expect(problems("- user: hi\n")[0]).toBe(
      "t.lktest.yaml:1: expected a scenario (a mapping with `turns:`), got a list",
    );
    expect(problems("name: x\n")[0]).toBe("t.lktest.yaml:1: turns: missing (expected a list of turns)");
    expect(problems("name: x\nturns: []\n")[0]).toBe("t.lktest.yaml:2: turns: expected at least one turn");
  });

  test("unknown keys, at every level, each with its line", () => {
    const found = problems(`name: x
agnet: a.py
turns:
  - user: hi
    expects:
      - reply: x
  - user: there
    expect:
      - tool: t
        arguments: {}
      - latency: { e2e: 1s, ttft: 1s }
      - reply: { nott: x }
`);
    expect(found).toEqual([
      't.lktest.yaml:2: unknown key "agnet" in the scenario (expected name, agent, args, env, timeout, greeting, audio, voice, speed, turns)',
      't.lktest.yaml:5: unknown key "expects" in a turn (expected user, expect)',
      't.lktest.yaml:10: unknown key "arguments" in a tool expectation (expected tool, args, output)',
      't.lktest.yaml:11: unknown key "ttft" in a latency expectation (expected e2e, turn)',
      't.lktest.yaml:12: unknown key "nott" in a reply expectation (expected not)',
      "t.lktest.yaml:12: turns[1].expect[2].reply: expected a pattern, or { not: pattern }",
    ]);
  });

  test("wrong types", () => {
    const found = problems(`name: 3
args: -X dev
env: [A]
timeout: 60
turns:
  - user:
    expect:
      reply: x
  - user: ok
    expect:
      - tool: [a]
      - error: "no"
      - latency: 2s
      - tool: t
        args: [1]
      - handoff: b
        from: 7
      - reply: ""
`);
    expect(found).toEqual([
      "t.lktest.yaml:1: name: expected text, got a number (3)",
      't.lktest.yaml:2: args: expected a list of strings, e.g. ["-X", "dev"], got text ("-X dev")',
      't.lktest.yaml:3: env: expected a mapping of variables, e.g. { MY_FLAG: "1" }, got a list',
      "t.lktest.yaml:4: timeout: expected a duration like 2s, 500ms or 1m, got a number (60) (a number needs a unit)",
      "t.lktest.yaml:6: turns[0].user: expected what the user says (text), got nothing",
      "t.lktest.yaml:7: turns[0].expect: expected a list of expectations (`- reply: …`), got a mapping",
      "t.lktest.yaml:11: turns[1].expect[0].tool: expected a tool name, got a list",
      't.lktest.yaml:12: turns[1].expect[1].error: expected true or false, got text ("no")',
      't.lktest.yaml:13: turns[1].expect[2].latency: expected upper bounds, e.g. { e2e: 2s, turn: 3s }, got text ("2s")',
      "t.lktest.yaml:15: turns[1].expect[3].args: expected the arguments to look for (a mapping, e.g. { location: Paris }), got a list",
      "t.lktest.yaml:17: turns[1].expect[4].from: expected the agent handing off, got a number (7)",
      "t.lktest.yaml:18: turns[1].expect[5].reply: expected a pattern (text to find, or /regex/flags), got empty text",
    ]);
  });

  test("an item with no kind, or two", () => {
    expect(
      problems("turns:\n  - user: a\n    expect:\n      - handof: x\n      - tool: a\n        reply: b\n"),
    ).toEqual([
      "t.lktest.yaml:4: turns[0].expect[0]: expected one of tool, no_tool, reply, handoff, latency, error, tool_error, heard (got handof)",
      "t.lktest.yaml:5: turns[0].expect[1]: one expectation per item (got tool and reply; start another with `-`)",
    ]);
  });

  test("a regex that does not compile", () => {
    expect(problems("turns:\n  - user: a\n    expect:\n      - reply: /(unclosed/\n")[0]).toStartWith(
      "t.lktest.yaml:4: turns[0].expect[0].reply: /(unclosed/ is not a valid regular expression:",
    );
    expect(problems("turns:\n- user: a\n  expect:\n  - tool: t\n    output: /[z-a]/\n")[0]).toStartWith(
      "t.lktest.yaml:5: turns[0].expect[0].output: /[z-a]/ is not a valid regular expression:",
    );
  });

  test("a turn too long for the agent's 1 MiB run_input frame, as replay files and say refuse it", () => {
    const long = "x".repeat(MAX_TURN_TEXT_BYTES + 1);
    expect(problems(`turns:\n  - user: hi\n  - user: ${long}\n`)).toEqual([
      `t.lktest.yaml:3: turns[1].user: the text is too long: ${MAX_TURN_TEXT_BYTES + 1} bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES} (split it into several turns)`,
    ]);
    const longest = "x".repeat(MAX_TURN_TEXT_BYTES);
    expect(parseScenario(`turns:\n  - user: ${longest}\n`, "t.lktest.yaml").turns[0]?.text).toBe(longest);
  });

  test("a key given twice (the parser keeps the last one silently)", () => {
    expect(problems("turns:\n  - user: a\n    user: b\n")).toEqual([
      "t.lktest.yaml:3: turns[0].user: given twice (expected each key once)",
    ]);
  });

  test("a syntax error: the line where the file stops being YAML", () => {
    expect(problems("name: x\nturns:\n  - user: hi\n    expect: [ { reply: x }\n  - user: there\n")[0]).toBe(
      "t.lktest.yaml:4: not valid YAML: Unexpected token",
    );
    expect(problems("name: x\n\tturns: 1\n")[0]).toStartWith("t.lktest.yaml:2: not valid YAML:");
  });
});

describe("positions", () => {
  test("keys and items in block style; keys inside a one-line flow map get its line", () => {
    const lines = new YamlLines(ISSUE_EXAMPLE);
    expect(lines.lineOf(["turns", 0, "expect", 0, "tool"])).toBe(9);
    expect(lines.lineOf(["turns", 0, "expect", 0, "args", "location"])).toBe(10);
    expect(lines.lineOf(["turns", 0, "expect", 3, "latency", "e2e"])).toBe(14);
    expect(lines.lineOf(["turns", 1, "expect", 0, "from"])).toBe(18);
    expect(lines.lineOf(["turns", 1, "expect", 2])).toBe(20);
    expect(lines.lineOf(["nowhere"])).toBe(1);
  });

  test("sequences at their key's own column, nested dashes, block scalars and multi-line flows skipped", () => {
    const source = `turns:
- user: |
    a: not a key
    b: neither
  expect:
  - - x
    - y
  - tool: [a,
      b]
- user: two
`;
    const lines = new YamlLines(source);
    expect(lines.lineOf(["turns", 0, "expect"])).toBe(5);
    expect(lines.lineOf(["turns", 0, "expect", 0, 1])).toBe(7);
    expect(lines.lineOf(["turns", 0, "expect", 1, "tool"])).toBe(8);
    expect(lines.lineOf(["turns", 1, "user"])).toBe(10);
    expect(lines.duplicates).toEqual([]);
  });

  test("a syntax error's line: after the longest prefix that parses", () => {
    const parse = (t: string) => Bun.YAML.parse(t);
    expect(syntaxErrorLine("a: 1\nb: [1,\n", parse)).toBe(2);
    expect(syntaxErrorLine("a:\n  - b\n c: d\n", parse)).toBe(3);
  });
});

describe("durations", () => {
  const timeoutOf = (value: string) =>
    parseScenario(`timeout: ${value}\nturns:\n- user: hi\n`, "t.lktest.yaml");
  const refused = (value: string) =>
    `t.lktest.yaml:1: timeout: expected a duration like 2s, 500ms or 1m, got ${value}`;

  test("as --timeout reads them: ms, s, m, h and combinations", () => {
    expect(timeoutOf("500ms").timeoutMs).toBe(500);
    expect(timeoutOf("2s").timeoutMs).toBe(2000);
    expect(timeoutOf("1.5m").timeoutMs).toBe(90_000);
    expect(timeoutOf("1h30m").timeoutMs).toBe(5_400_000);
  });

  test("always with a unit, at least 1 ms, at most what a timer can wait, and no spaces", () => {
    expect(() => timeoutOf('"2"')).toThrow(refused('text ("2") (a number needs a unit)'));
    expect(() => timeoutOf("2")).toThrow(refused("a number (2) (a number needs a unit)"));
    expect(() => timeoutOf("0s")).toThrow(refused('text ("0s")'));
    expect(() => timeoutOf("0.1ms")).toThrow(refused('text ("0.1ms")'));
    expect(() => timeoutOf("600h")).toThrow(refused('text ("600h")'));
    for (const bad of ["fast", "-1s", "s", '"3 s"', "1h 30m"])
      expect(() => timeoutOf(bad)).toThrow(refused(""));
  });
});
