// Durations for --timeout and --idle-timeout: one parser, both forms.

import { describe, expect, test } from "bun:test";
import { parseDuration, parseDurationOption, parseSeconds } from "../../src/commands/_shared.ts";

describe("parseDuration", () => {
  test("units, combined units, and plain seconds", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("2.5")).toBe(2500);
    expect(parseDuration("0")).toBe(0);
  });

  test("anything else is not a duration", () => {
    for (const bad of ["", "abc", "5x", "m", "1h 30m", "-5", "1e3", "0x10", "s5", "5sm", "1.s"])
      expect(parseDuration(bad)).toBeUndefined();
  });
});

describe("duration options", () => {
  test("--timeout takes durations and seconds; never 0", () => {
    expect(parseSeconds("90s", 120, "--timeout")).toBe(90_000);
    expect(parseSeconds("5", 120, "--timeout")).toBe(5000);
    expect(parseSeconds(undefined, 120, "--timeout")).toBe(120_000);
    expect(() => parseSeconds("0", 120, "--timeout")).toThrow(
      '--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds, at most 2000000 s (got "0")',
    );
    expect(() => parseSeconds("3000000", 120, "--timeout")).toThrow("at most 2000000 s");
  });

  test("an option that allows 0 says so", () => {
    expect(parseDurationOption("0", 1000, "--idle-timeout", { zero: true })).toBe(0);
    expect(() => parseDurationOption("soon", 1000, "--idle-timeout", { zero: true })).toThrow(
      "--idle-timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds (0: never)",
    );
  });
});
