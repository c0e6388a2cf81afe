// The one log-tail reader: last lines from the end, bounded, whole lines only.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRange, readTail, tailLines } from "../../src/session/log-tail.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-tail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("log tail", () => {
  test("the last lines, without trailing blank ones; the size to follow from", () => {
    const path = file("small.log", "one\ntwo\nthree\n\n");
    expect(readTail(path, 2)).toEqual({ lines: ["two", "three"], size: 15 });
    expect(readTail(path, 10).lines).toEqual(["one", "two", "three"]);
    expect(readTail(path, 0).lines).toEqual([]);
  });

  test("a long log is read from its end in steps, and a cut first line is left out", () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const path = file("big.log", `${lines.join("\n")}\n`);
    expect(readTail(path, 3).lines).toEqual(lines.slice(-3));
    const bounded = readTail(path, 100_000, 64 * 1024).lines;
    expect(bounded.length).toBeLessThan(2000);
    expect(bounded.at(-1)).toBe(lines.at(-1));
    expect(lines).toContain(bounded[0] as string);
  });

  test("multi-byte text across a step boundary stays whole", () => {
    const text = `${"é".repeat(40_000)}\nlast ünïcode\n`;
    expect(readTail(file("utf8.log", text), 2).lines).toEqual(["é".repeat(40_000), "last ünïcode"]);
  });

  test("a missing file has no lines (for failure details); readTail throws", () => {
    expect(tailLines(join(dir, "missing.log"))).toEqual([]);
    expect(() => readTail(join(dir, "missing.log"), 5)).toThrow();
  });

  test("readRange: the bytes a followed log gained", () => {
    const path = file("range.log", "abcdef");
    expect(readRange(path, 2, 5)).toBe("cde");
  });
});
