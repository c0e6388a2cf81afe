// The agent log's line format, which the daemon writes and `logs` reads back: every line stamped to
// the millisecond (UTC in the file: the daemon never loads the time zone, which costs a process ~4 ms
// and ~3 MB; `logs` shows each stamp in local time) and tagged with where it came from, the agent's
// stdout (`out`), its stderr (`err`) or lk itself (`lk`: the markers that begin each run and each
// turn, and end a run).
//
//   2026-12-01T13:03:07.042Z lk  ── run 1 (start): agent.py ──
//   2026-12-01T13:03:08.310Z err INFO livekit.agents starting worker
//   2026-12-01T13:03:09.001Z lk  ── turn 1: "what time is it?" ──
//   2026-12-01T13:03:09.020Z out the time is 14:03
//
// (As `logs` shows them in a UTC+1 zone: `2026-12-01T14:03:07.042+01:00 lk  ── run 1 …`.)
//
// The tag comes before anything the agent wrote, so no agent output can pass for a marker.

export type LogStream = "stdout" | "stderr" | "lk";

/** One line of the file, read back. */
export interface LogLine {
  /** When it was written, ms since the epoch (undefined for a line without a stamp). */
  at?: number;
  stream?: LogStream;
  /** As the agent (or lk) wrote it. */
  text: string;
}

const TAGS: Record<LogStream, string> = { stdout: "out", stderr: "err", lk: "lk " };
const STREAMS: Record<string, LogStream> = { out: "stdout", err: "stderr", "lk ": "lk" };

/** The line in the file (without its newline). */
export function formatLogLine(at: number, stream: LogStream, text: string): string {
  return `${new Date(at).toISOString()} ${TAGS[stream]} ${text}`;
}

/** A line as `logs` shows it: its stamp in local time; a line without one as it is. */
export function localLogLine(line: LogLine, raw: string): string {
  if (line.at === undefined || line.stream === undefined) return raw;
  return `${localIsoTime(line.at)} ${TAGS[line.stream]} ${line.text}`;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d\d:\d\d)) (out|err|lk ) (.*)$/s;

/** A line of the file; one of another form (an older lk's log) is all text. */
export function parseLogLine(line: string): LogLine {
  const m = LINE.exec(line);
  if (!m) return { text: line };
  return { at: Date.parse(m[1] as string), stream: STREAMS[m[2] as string], text: m[3] as string };
}

/** `2026-12-01T14:03:07.042+01:00`: the local time to the millisecond, with its offset from UTC. */
export function localIsoTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const zone = `${sign}${pad(Math.abs(offset) / 60)}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${zone}`
  );
}

// --- markers --------------------------------------------------------------------------------------

/** A turn's text in its marker: cut to this many characters, then quoted with every control escaped. */
export const MARKER_TEXT_CHARS = 80;

export type RunKind = "start" | "restart";

/** `── run 2 (restart): agent.py ──`: the first line of each run's log. */
export function runMarker(run: number, kind: RunKind, entry: string): string {
  return `── run ${run} (${kind}): ${quoteIfNeeded(entry)} ──`;
}

/** `── turn 3: "what time is it?" ──`: written as the turn is sent; what follows is that turn's. */
export function turnMarker(turn: number, text: string): string {
  return `── turn ${turn}: ${quoted(text)} ──`;
}

/** `── run 2 ended: end requested ──`: the run's last line, once its agent has stopped. */
export function endMarker(run: number, why: string): string {
  return `── run ${run} ended: ${oneLine(why)} ──`;
}

const TURN_MARKER = /^── turn (\d+): /;

/** Is this line one of lk's markers (a run's start or end, or a turn's start)? */
export function isMarker(line: LogLine): boolean {
  return line.stream === "lk" && line.text.startsWith("── ");
}

/** The turn a marker begins, if it is a turn marker. */
export function markedTurn(line: LogLine): number | undefined {
  if (line.stream !== "lk") return undefined;
  const turn = TURN_MARKER.exec(line.text)?.[1];
  return turn === undefined ? undefined : Number(turn);
}

/** The text, cut and quoted so that the marker stays one line and shows every character. */
export function quoted(text: string): string {
  const chars = [...text];
  const cut = chars.length > MARKER_TEXT_CHARS ? `${chars.slice(0, MARKER_TEXT_CHARS).join("")}…` : text;
  // JSON leaves DEL and the C1 controls raw (U+009B is CSI to a terminal): escaped as well.
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function quoteIfNeeded(text: string): string {
  return /^[\w./@+-]+$/.test(text) ? text : quoted(text);
}

function oneLine(text: string): string {
  const q = quoted(text);
  return q.slice(1, -1);
}

// --- turns ----------------------------------------------------------------------------------------

/** Each line with the turn it belongs to: from a turn's marker to the next marker (none before the first). */
export function withTurns(lines: LogLine[], turnBefore?: number): (LogLine & { turn?: number })[] {
  let turn = turnBefore;
  return lines.map((line) => {
    if (isMarker(line)) turn = markedTurn(line);
    return turn === undefined ? line : { ...line, turn };
  });
}

/** The turns a log has, in order. */
export function turnsIn(lines: LogLine[]): number[] {
  return lines.flatMap((line) => {
    const turn = markedTurn(line);
    return turn === undefined ? [] : [turn];
  });
}

/** The lines of turn `turn`, its marker first, up to the next marker; undefined when it is not there. */
export function turnLines(lines: LogLine[], turn: number): LogLine[] | undefined {
  const start = lines.findIndex((line) => markedTurn(line) === turn);
  if (start === -1) return undefined;
  const next = lines.findIndex((line, i) => i > start && isMarker(line));
  return lines.slice(start, next === -1 ? undefined : next);
}
