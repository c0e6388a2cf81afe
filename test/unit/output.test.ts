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

test("its job is done once livekit-agents logs the job's last step; never on the lines before it, or for Node", async () => {
  const out = new AgentOutput(join(dir, "closing.log"));
  let done = false;
  void out.jobDone().then(() => {
    done = true;
  });
  // Both come before its shutdown callbacks and its temporary folder's clean-up.
  out.write(enc("DEBUG livekit.agents session closed\n"));
  out.write(enc('DEBUG livekit.agents job exiting {"reason": "parent process shutdown"}\n'));
  await Bun.sleep(5);
  expect(done).toBe(false);
  out.write(enc("DEBUG livekit.agents http_session(): closing the httpclient ctx\n"));
  await Bun.sleep(0);
  expect(done).toBe(true);
  // Asked after it came: at once.
  await out.jobDone();
  // Node logs its session's end before its shutdown callbacks run: only its exit says it is done.
  const node = new AgentOutput(join(dir, "closing-node.log"));
  let nodeDone = false;
  void node.jobDone().then(() => {
    nodeDone = true;
  });
  node.write(enc("[12:00:00.000] DEBUG (1): Session ended, report generated\n"));
  await Bun.sleep(5);
  expect(nodeDone).toBe(false);
  for (const o of [out, node]) o.close();
});
