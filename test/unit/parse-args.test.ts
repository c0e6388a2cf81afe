// The strict parser on its own, with a small declaration.

import { describe, expect, test } from "bun:test";
import { looksLikeOption, parseArgs } from "../../src/cli/parse-args.ts";

const args = {
  file: { type: "positional", required: false },
  lines: { type: "string", alias: "n", valueHint: "N" },
  follow: { type: "boolean", alias: "f" },
  tag: { type: "string", repeatable: true },
  json: { type: "boolean" },
} as const;

const parse = (argv: string[], afterDashDash: "runtime-args" | "text" = "text") =>
  parseArgs(argv, args, { path: "lk test", afterDashDash });

describe("parseArgs", () => {
  test("defaults: booleans false, repeatables empty, the rest undefined", () => {
    expect(parse([])).toEqual({
      file: undefined,
      lines: undefined,
      follow: false,
      tag: [],
      json: false,
      "--": [],
    } as never);
  });

  test("long, short and = forms; --no- for booleans", () => {
    expect(parse(["-n", "3", "-f", "x.log"])).toMatchObject({ lines: "3", follow: true, file: "x.log" });
    expect(parse(["--lines=4", "--follow=false"])).toMatchObject({ lines: "4", follow: false });
    expect(parse(["--no-json"]).json).toBe(false);
    expect(() => parse(["--json=yes"])).toThrow("--json takes no value");
  });

  test("repeats: allowed for repeatable flags only, an alias counts as the same flag", () => {
    expect(parse(["--tag", "a", "--tag=b"]).tag).toEqual(["a", "b"]);
    expect(() => parse(["-n", "1", "--lines", "2"])).toThrow("-n and --lines are the same option");
    expect(() => parse(["-f", "-f"])).toThrow("-f was given twice");
  });

  test("values: missing, swallowing an own option, or dash-led but not an option", () => {
    expect(() => parse(["--lines"])).toThrow("--lines needs a value (--lines N)");
    expect(() => parse(["--lines", "--"])).toThrow("--lines needs a value");
    expect(() => parse(["--lines", "-f"])).toThrow(
      "--lines needs a value, but the next argument is the option -f",
    );
    expect(() => parse(["--tag", "--json=true"])).toThrow("the next argument is the option --json=true");
    expect(parse(["--lines", "-5"]).lines).toBe("-5");
    expect(parse(["--tag", "--other"]).tag).toEqual(["--other"]);
  });

  test("unknown options are refused, with a close match suggested", () => {
    expect(() => parse(["--follw"])).toThrow("unknown option --follw for `lk test`");
    try {
      parse(["--follw"]);
    } catch (error) {
      expect((error as { detail: string[] }).detail).toEqual(["did you mean --follow?"]);
    }
    expect(() => parse(["-x"])).toThrow("unknown option -x");
  });

  test("--: runtime args as a value, or more positionals", () => {
    expect(parse(["a", "--", "-X", "dev"], "runtime-args")).toMatchObject({ file: "a", "--": ["-X", "dev"] });
    expect(parse(["--", "-5"]).file).toBe("-5");
    expect(() => parse(["a", "--", "b"])).toThrow('unexpected argument for `lk test`: "b"');
  });

  test("what looks like an option", () => {
    expect(["-n", "--json", "-f=1"].every(looksLikeOption)).toBe(true);
    expect(["-", "-5", "-.5", "--", "text"].some(looksLikeOption)).toBe(false);
  });
});
