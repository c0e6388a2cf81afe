// The agent log's line format and markers (protocol/agent-log.ts), the runs a port keeps
// (state/run-logs.ts), and reading them back as `logs` does (session/agent-logs.ts).

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentOutput } from "../../src/agent/output.ts";
import type { UserError } from "../../src/errors.ts";
import {
  endMarker,
  formatLogLine,
  isMarker,
  type LogLine,
  localIsoTime,
  localLogLine,
  MARKER_TEXT_CHARS,
  markedTurn,
  parseLogLine,
  runMarker,
  turnLines,
  turnMarker,
  turnsIn,
  withTurns,
} from "../../src/protocol/agent-log.ts";
import {
  agentTail,
  chosenRuns,
  lastRunLines,
  oneTurn,
  parseRunChoice,
  runLines,
} from "../../src/session/agent-logs.ts";
import {
  keptRuns,
  planRotation,
  removeLeftFiles,
  rotateRunLogs,
  runLogPath,
} from "../../src/state/run-logs.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-agent-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d\d:\d\d)$/;

describe("a line of the log", () => {
  test("local time to the millisecond, with its offset, read back to the same instant", () => {
    const at = Date.UTC(2026, 11, 1, 13, 3, 7, 42);
    const stamp = localIsoTime(at);
    expect(stamp).toMatch(STAMP);
    expect(stamp).toContain(".042");
    expect(Date.parse(stamp)).toBe(at);
  });

  test("stamp, stream tag, text; parsed back whole, escapes and CRs inside the text included", () => {
    const at = Date.now();
    for (const [stream, tag] of [
      ["stdout", "out"],
      ["stderr", "err"],
      ["lk", "lk "],
    ] as const) {
      const line = formatLogLine(at, stream, "a \x1b[31mred\x1b[0m cr\rhere");
      // UTC in the file; local time as `logs` shows it, the same instant.
      expect(line).toBe(`${new Date(at).toISOString()} ${tag} a \x1b[31mred\x1b[0m cr\rhere`);
      const parsed = parseLogLine(line);
      expect(parsed).toEqual({ at, stream, text: "a \x1b[31mred\x1b[0m cr\rhere" });
      const shown = localLogLine(parsed, line);
      expect(shown).toBe(`${localIsoTime(at)} ${tag} a \x1b[31mred\x1b[0m cr\rhere`);
      expect(parseLogLine(shown)).toEqual(parsed);
    }
  });

  test("a line of another form (an older log) is all text", () => {
    expect(parseLogLine("INFO plain")).toEqual({ text: "INFO plain" });
    expect(parseLogLine("2026-12-01 lk  ── turn 1: x ──")).toEqual({
      text: "2026-12-01 lk  ── turn 1: x ──",
    });
  });
});

describe("markers", () => {
  test("a turn's text quoted, every control shown, cut to a sane length", () => {
    expect(turnMarker(3, "what time is it?")).toBe('── turn 3: "what time is it?" ──');
    expect(turnMarker(1, 'say "hi"\nthen\x1b[2J\x07 \x9b1m')).toBe(
      '── turn 1: "say \\"hi\\"\\nthen\\u001b[2J\\u0007 \\u009b1m" ──',
    );
    const long = turnMarker(2, "é".repeat(500));
    expect(long).toBe(`── turn 2: "${"é".repeat(MARKER_TEXT_CHARS)}…" ──`);
  });

  test("runs: which, how it began, the entrypoint; and how it ended", () => {
    expect(runMarker(1, "start", "agent.py")).toBe("── run 1 (start): agent.py ──");
    expect(runMarker(2, "restart", "src/my agent.ts")).toBe('── run 2 (restart): "src/my agent.ts" ──');
    expect(endMarker(2, "the agent exited with code 1")).toBe(
      "── run 2 ended: the agent exited with code 1 ──",
    );
  });

  test("only lk's own lines are markers: an agent printing one is not", () => {
    const forged: LogLine = { stream: "stdout", text: turnMarker(9, "forged") };
    expect(isMarker(forged)).toBe(false);
    expect(markedTurn(forged)).toBeUndefined();
    expect(markedTurn({ stream: "lk", text: turnMarker(9, "real") })).toBe(9);
    expect(markedTurn({ stream: "lk", text: runMarker(9, "start", "a.py") })).toBeUndefined();
  });
});

describe("turns in a log", () => {
  const lk = (text: string): LogLine => ({ stream: "lk", text });
  const out = (text: string): LogLine => ({ stream: "stdout", text });
  const log: LogLine[] = [
    lk(runMarker(1, "start", "agent.py")),
    out("starting"),
    lk(turnMarker(1, "hi")),
    out("one a"),
    out(turnMarker(7, "an agent's forgery")),
    lk(turnMarker(2, "fail")),
    out("Traceback"),
    out("RuntimeError: boom"),
    lk(endMarker(1, "end requested")),
    out("shutting down"),
  ];

  test("a turn: its marker to the next marker, whatever the agent prints", () => {
    expect(turnLines(log, 1)?.map((l) => l.text)).toEqual([
      turnMarker(1, "hi"),
      "one a",
      turnMarker(7, "an agent's forgery"),
    ]);
    expect(turnLines(log, 2)?.map((l) => l.text)).toEqual([
      turnMarker(2, "fail"),
      "Traceback",
      "RuntimeError: boom",
    ]);
    expect(turnLines(log, 3)).toBeUndefined();
    expect(turnsIn(log)).toEqual([1, 2]);
  });

  test("each line's turn: none before the first turn nor after the run ended", () => {
    expect(withTurns(log).map((l) => l.turn)).toEqual([
      undefined,
      undefined,
      1,
      1,
      1,
      2,
      2,
      2,
      undefined,
      undefined,
    ]);
    // A tail that begins mid-turn: the turn it began in is given.
    expect(withTurns(log.slice(6, 8), 2).map((l) => l.turn)).toEqual([2, 2]);
  });
});

describe("the runs a port keeps", () => {
  const port = 9001;
  const name = (path: string) => path.slice(dir.length + 1);

  test("planning: the oldest goes, each other moves back one place, parts with their runs", () => {
    const d = "/s";
    const have = new Set([
      "/s/session-9001.agent.log",
      "/s/session-9001.agent.log.1",
      "/s/session-9001.agent.prev-1.log",
      "/s/session-9001.agent.prev-2.log",
      "/s/session-9001.agent.prev-2.log.1",
    ]);
    expect(planRotation(port, d, (p) => have.has(p))).toEqual([
      { remove: "/s/session-9001.agent.prev-2.log.1" },
      { remove: "/s/session-9001.agent.prev-2.log" },
      { rename: "/s/session-9001.agent.prev-1.log", to: "/s/session-9001.agent.prev-2.log" },
      { rename: "/s/session-9001.agent.log.1", to: "/s/session-9001.agent.prev-1.log.1" },
      { rename: "/s/session-9001.agent.log", to: "/s/session-9001.agent.prev-1.log" },
    ]);
    expect(planRotation(port, d, () => false)).toEqual([]);
  });

  test("four runs: the last three kept, newest first; --clean removes them and what else was left", () => {
    const folder = mkdtempSync(join(dir, "runs-"));
    for (let run = 1; run <= 4; run++) {
      rotateRunLogs(port, folder);
      writeFileSync(runLogPath(port, 0, folder), `run ${run}\n`);
    }
    expect(keptRuns(port, folder).map((r) => readFileSync(r.path, "utf8"))).toEqual([
      "run 4\n",
      "run 3\n",
      "run 2\n",
    ]);
    expect(chosenRuns(port, 1, folder)).toEqual([runLogPath(port, 1, folder)]);
    expect(chosenRuns(port, "all", folder).map((p) => readFileSync(p, "utf8"))).toEqual([
      "run 2\n",
      "run 3\n",
      "run 4\n",
    ]);
    expect(() => chosenRuns(port, 3, folder)).toThrow(
      "no log is kept for the run 3 runs back on 127.0.0.1:9001 (kept: last, previous, 2 runs back)",
    );
    writeFileSync(join(folder, `session-${port}.daemon.log`), "daemon\n");
    writeFileSync(join(folder, `session-${port}.ended.json`), "{}");
    writeFileSync(join(folder, `session-${port + 1}.agent.log`), "another port\n");
    expect(removeLeftFiles(port, folder).map((p) => p.slice(folder.length + 1))).toEqual([
      "session-9001.agent.log",
      "session-9001.agent.prev-1.log",
      "session-9001.agent.prev-2.log",
      "session-9001.daemon.log",
      "session-9001.ended.json",
    ]);
    expect(readdirSync(folder)).toEqual([`session-${port + 1}.agent.log`]);
  });

  test("a link planted where a run moves is replaced, never written through", () => {
    const folder = mkdtempSync(join(dir, "links-"));
    const target = join(folder, "private.txt");
    writeFileSync(target, "secret\n");
    writeFileSync(runLogPath(port, 0, folder), "last run\n");
    symlinkSync(target, runLogPath(port, 1, folder));
    rotateRunLogs(port, folder);
    expect(readFileSync(target, "utf8")).toBe("secret\n");
    expect(readFileSync(runLogPath(port, 1, folder), "utf8")).toBe("last run\n");
    expect(name(runLogPath(port, 1, dir))).toBe("session-9001.agent.prev-1.log");
  });

  test("--run: last, current, previous, a count back, all", () => {
    expect(["last", "current", "previous", "0", "2", "all", "-1", "x"].map(parseRunChoice)).toEqual([
      0,
      0,
      1,
      0,
      2,
      "all",
      undefined,
      undefined,
    ]);
  });
});

describe("reading a run back", () => {
  /** A run's log as the daemon writes it, through AgentOutput. */
  function writeRun(path: string, turns: number, linesPerTurn: number): void {
    const out = new AgentOutput(path);
    out.mark(runMarker(1, "start", "agent.py"));
    out.write(enc("\r\x1b[32mINFO\x1b[0m starting\r\n"), "stderr");
    for (let t = 1; t <= turns; t++) {
      out.mark(turnMarker(t, `turn ${t}`));
      for (let i = 0; i < linesPerTurn; i++) out.write(enc(`turn ${t} line ${i}\n`));
    }
    out.write(enc("no newline"));
    out.close(endMarker(1, "end requested"));
  }

  test("as written: each line stamped and tagged, the line's own CRs at its ends dropped, a last partial line kept", () => {
    const path = join(dir, "written.log");
    writeRun(path, 1, 1);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    const parsed = lines.slice(0, -1).map(parseLogLine);
    for (const line of lines.slice(0, -1)) expect(line.slice(0, line.indexOf(" "))).toMatch(STAMP);
    expect(parsed.map((l) => [l.stream, l.text])).toEqual([
      ["lk", "── run 1 (start): agent.py ──"],
      ["stderr", "\x1b[32mINFO\x1b[0m starting"],
      ["lk", '── turn 1: "turn 1" ──'],
      ["stdout", "turn 1 line 0"],
      ["stdout", "no newline"],
      ["lk", "── run 1 ended: end requested ──"],
    ]);
    // Failures show the agent's own text: no stamps, no markers.
    expect(agentTail(path, 3)).toEqual(["turn 1 line 0", "no newline"]);
  });

  test("one turn, the last turn, an unknown turn", () => {
    const path = join(dir, "turns.log");
    writeRun(path, 3, 2);
    expect(oneTurn(path, 2, "last").map((l) => l.text)).toEqual([
      '── turn 2: "turn 2" ──',
      "turn 2 line 0",
      "turn 2 line 1",
    ]);
    expect(oneTurn(path, 2, "last").every((l) => l.turn === 2)).toBe(true);
    expect(oneTurn(path, "last", "last").map((l) => l.text)).toEqual([
      '── turn 3: "turn 3" ──',
      "turn 3 line 0",
      "turn 3 line 1",
      "no newline",
    ]);
    expect(() => oneTurn(path, 4, "previous")).toThrow("turn 4 is not in the log of the previous run");
    const unknown = (() => {
      try {
        oneTurn(path, 4, "last");
      } catch (error) {
        return error as UserError;
      }
    })();
    expect(unknown?.detail[0]).toBe("its turns: 1–3");
  });

  test("the last lines know their turn, however far back its marker is", () => {
    const path = join(dir, "far.log");
    // 30,000 lines of turn 2: its marker is over a megabyte before the end.
    writeRun(path, 2, 30_000);
    const tail = lastRunLines(path, 3);
    expect(tail.map((l) => [l.text, l.turn])).toEqual([
      ["turn 2 line 29999", 2],
      ["no newline", 2],
      ["── run 1 ended: end requested ──", undefined],
    ]);
    expect(lastRunLines(path, 1)[0]?.turn).toBeUndefined();
    expect(runLines(path).filter((l) => l.turn === 1)).toHaveLength(30_001);
  });
});
