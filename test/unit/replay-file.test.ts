// The replay format's parser: turns, their `?`/`?!` lines, continued lines, comments, and the
// greeting check (`?` lines before the first turn).

import { describe, expect, test } from "bun:test";
import { parseReplay } from "../../src/session/replay-file.ts";

const patterns = (list: { pattern: { source: string }; negated: boolean }[] | undefined) =>
  (list ?? []).map((e) => `${e.negated ? "?!" : "?"} ${e.pattern.source}`);

describe("replay files", () => {
  test("turns with their expectations and lines; comments and blank lines skipped; a continued line", () => {
    const file = parseReplay(
      "# a comment\n\nwhat's the weather in Paris?\n? sunny\n?! /rain/i\na long turn \\\ngoes on\n",
      "talk.txt",
    );
    expect(file.greeting).toBeUndefined();
    expect(file.turns.map((t) => [t.text, t.line, patterns(t.expectations)])).toEqual([
      ["what's the weather in Paris?", 3, ["? sunny", "?! /rain/i"]],
      ["a long turn \ngoes on", 6, []],
    ]);
    // Bare text is a regex, as `say --expect` takes it; /re/flags keeps its flags.
    expect(file.turns[0]?.expectations[0]?.pattern.test("it is sunny")).toBe(true);
    expect(file.turns[0]?.expectations[1]?.pattern.test("RAIN")).toBe(true);
  });

  test("`?` lines before the first turn check the greeting, at the line of the first of them", () => {
    const file = parseReplay("# greeting\n? /hello/i\n\n?! error\nhi\n? hi\n", "talk.txt");
    expect(file.greeting?.line).toBe(2);
    expect(patterns(file.greeting?.expectations)).toEqual(["? /hello/i", "?! error"]);
    expect(file.turns.map((t) => [t.text, patterns(t.expectations)])).toEqual([["hi", ["? hi"]]]);
  });

  test("bad lines: file:line; a file of only a greeting check has no turns", () => {
    expect(() => parseReplay("hi\n?\n", "t.txt")).toThrow("t.txt:2: empty expectation");
    expect(() => parseReplay("? (unclosed\nhi\n", "t.txt")).toThrow(
      't.txt:1: invalid expectation "(unclosed"',
    );
    expect(() => parseReplay("? hello\n# no turn\n", "t.txt")).toThrow(
      "t.txt has no turns, only a greeting check (line 1)",
    );
  });
});
