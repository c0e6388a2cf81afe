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

test("stripAnsi removes OSC sequences (window titles, hyperlinks) as well as CSI", () => {
  // OSC 0 (window title) ended by BEL, OSC 8 (hyperlink) ended by ST (ESC \).
  expect(stripAnsi("\x1b]0;my title\x07after the title")).toBe("after the title");
  expect(stripAnsi("see \x1b]8;;https://example.com/docs\x1b\\the docs\x1b]8;;\x1b\\ here")).toBe(
    "see the docs here",
  );
  // CSI: colors, cursor movement, private modes, erase line.
  expect(stripAnsi("\x1b[?25l\x1b[2K\x1b[1G\x1b[38;5;196mred\x1b[0m \x1b[1Atext")).toBe("red text");
  // Mixed, as a spinner might print it.
  expect(stripAnsi("\x1b]0;lk\x07\x1b[32m✓\x1b[39m done")).toBe("✓ done");
  expect(stripAnsi("no escapes at all")).toBe("no escapes at all");
});

test("the tail has no OSC leftovers either", () => {
  const out = new AgentOutput(join(dir, "osc.log"));
  out.write(enc("\x1b]0;agent\x07INFO \x1b]8;;file:///x\x1b\\link\x1b]8;;\x1b\\ ok\n"));
  expect(out.tail()).toEqual(["INFO link ok"]);
  out.close();
});

test("stdout and stderr lines are told apart, even when their chunks interleave mid-line", () => {
  const out = new AgentOutput(join(dir, "streams.log"));
  const lines: string[] = [];
  out.onLine = ({ line, stream }) => lines.push(`${stream}: ${line}`);
  out.write(enc("out one, "), "stdout");
  out.write(enc("err one\nerr two"), "stderr");
  out.write(enc("continued\n"), "stdout");
  out.close();
  expect(lines).toEqual(["stderr: err one", "stdout: out one, continued", "stderr: err two"]);
});

test("each complete line is told once as it arrives, cleaned and stamped; blank ones are not", () => {
  const out = new AgentOutput(join(dir, "lines.log"));
  const got: string[] = [];
  const before = Date.now();
  out.onLine = ({ line, stream, at }) => got.push(`${stream}:${line}:${at >= before && at <= Date.now()}`);
  out.write(enc("half of a "), "stdout");
  out.write(enc("warning\n\n   \n"), "stderr");
  out.write(enc("line\n\x1b[31mred\x1b[0m\n"), "stdout");
  expect(got).toEqual(["stderr:warning:true", "stdout:half of a line:true", "stdout:red:true"]);
  out.close();
});

test("its last lines are out once its framework's closing line comes, or once it has been quiet", async () => {
  const out = new AgentOutput(join(dir, "closing.log"));
  // However long the quiet and the bound, the closing line ends the wait.
  const closed = out.lastLinesOut(60_000, 60_000);
  out.write(enc("DEBUG livekit.agents session closed\n"));
  out.write(enc('DEBUG livekit.agents job exiting {"reason": "parent process shutdown"}\n'));
  await closed;
  const node = new AgentOutput(join(dir, "closing-node.log"));
  const nodeClosed = node.lastLinesOut(60_000, 60_000);
  node.write(enc("[12:00:00.000] DEBUG (1): Session ended, report generated\n"));
  await nodeClosed;
  // An agent of another kind: once nothing comes for the quiet period.
  const other = new AgentOutput(join(dir, "closing-other.log"));
  other.write(enc("bye\n"));
  await other.lastLinesOut(20, 60_000);
  for (const o of [out, node, other]) o.close();
});
