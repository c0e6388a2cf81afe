import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentOutput, crashMarkerIn, stripAnsi } from "../../src/agent/output.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);

test("the log is size-capped: one previous file is kept, nothing grows without bound", () => {
  const path = join(dir, "agent.log");
  const out = new AgentOutput(path, 1000);
  for (let i = 0; i < 50; i++) out.write(enc(`${"x".repeat(95)} ${String(i).padStart(2, "0")}\n`));
  out.close();
  expect(statSync(path).size).toBeLessThanOrEqual(1000);
  expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000);
  expect(readFileSync(path, "utf8")).toContain(" 49\n");
  expect(existsSync(`${path}.2`)).toBe(false);
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test("the tail: colors, carriage returns and blank lines removed; a partial last line included", () => {
  const out = new AgentOutput(join(dir, "tail.log"));
  out.write(enc("\r\x1b[32mINFO\x1b[0m one\n\ntwo\r\nthr"));
  out.write(enc("ee"));
  expect(out.tail()).toEqual(["INFO one", "two", "three"]);
  out.close();
});

test("crash markers of both frameworks, even split across chunks and colored", () => {
  const seen: string[] = [];
  const out = new AgentOutput(join(dir, "crash.log"));
  out.onCrashMarker = (line) => seen.push(line);
  out.write(enc('DEBUG shutting down job task {"reason": "job cra'));
  out.write(enc('shed"}\n\x1b[31mFATAL\x1b[39m console mode failed: boom\n'));
  expect(seen).toEqual([
    'DEBUG shutting down job task {"reason": "job crashed"}',
    "FATAL console mode failed: boom",
  ]);
  expect(crashMarkerIn("all good")).toBeUndefined();
  expect(stripAnsi("\x1b[1;31mred\x1b[0m")).toBe("red");
  out.close();
});
