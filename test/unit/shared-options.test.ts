// The numbers every command parses the same way: ports, counts, timeouts.

import { describe, expect, test } from "bun:test";
import { parseSeconds, parseWholeNumber, resolvePort } from "../../src/commands/_shared.ts";

describe("ports", () => {
  test("decimal digits from 1 to 65535, from --port, else LK_SESSION_PORT, else 8775", () => {
    expect(resolvePort("9002", { LK_SESSION_PORT: "9001" })).toBe(9002);
    expect(resolvePort(undefined, { LK_SESSION_PORT: "9001" })).toBe(9001);
    expect(resolvePort(undefined, {})).toBe(8775);
    expect(resolvePort("65535", {})).toBe(65535);
  });

  test("an empty --port, hex, an exponent, a sign, spaces, 0 and 65536 are refused", () => {
    for (const bad of ["", "0x4B8C", "1e4", "+9000", " 9000", "9000.0", "0", "65536"])
      expect(() => resolvePort(bad, {})).toThrow(
        `--port must be a whole number from 1 to 65535 (got "${bad}")`,
      );
    expect(() => resolvePort(undefined, { LK_SESSION_PORT: "0x4B8C" })).toThrow("LK_SESSION_PORT must be");
  });

  test("an empty LK_SESSION_PORT is unset, as environment variables go", () => {
    expect(resolvePort(undefined, { LK_SESSION_PORT: "" })).toBe(8775);
  });
});

test("whole numbers: decimal digits only", () => {
  expect(parseWholeNumber("0")).toBe(0);
  expect(parseWholeNumber("12")).toBe(12);
  for (const bad of ["", "-1", "1.5", "0x10", "1e2", " 1"]) expect(parseWholeNumber(bad)).toBeUndefined();
});

describe("timeouts", () => {
  test("seconds as plain decimals, in ms; the fallback when not given", () => {
    expect(parseSeconds("1.5", 60, "--timeout")).toBe(1500);
    expect(parseSeconds(".5", 60, "--timeout")).toBe(500);
    expect(parseSeconds("0.001", 60, "--timeout")).toBe(1);
    expect(parseSeconds(undefined, 60, "--timeout")).toBe(60_000);
    expect(parseSeconds(undefined, undefined, "--timeout")).toBeUndefined();
  });

  test("one that rounds to 0 ms, an empty one, hex, exponents and too long ones are refused", () => {
    for (const bad of ["0.0001", "0", "", "0x10", "1e3", "-5", "Infinity", "2000001"])
      expect(() => parseSeconds(bad, 60, "--timeout")).toThrow(
        `--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds, at most 2000000 s (got "${bad}")`,
      );
  });
});
