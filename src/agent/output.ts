// The agent's own output: kept in a size-capped log file, a line at a time, each stamped and
// tagged with its stream (protocol/agent-log.ts), its last lines in memory, and watched for the
// markers real frameworks print when they have failed.

import { closeSync, renameSync, writeSync } from "node:fs";
import { formatLogLine } from "../protocol/agent-log.ts";
import { openNoFollow } from "../safe-files.ts";

export type OutputStream = "stdout" | "stderr";

/** One line of the agent's output, stamped when it arrived. */
export interface OutputLine {
  line: string;
  stream: OutputStream;
  at: number;
}

/** Printed by livekit-agents (Python) when the job failed; the process itself stays alive. */
const PYTHON_CRASH = "job crashed";
/** Printed by @livekit/agents (Node) just before it exits 1. */
const NODE_CRASH = "console mode failed:";
/**
 * The line livekit-agents (Python) logs as the last step of a job that ended: after its shutdown
 * callbacks and the clean-up of its temporary folder (its "job exiting" comes before both). What
 * follows is the worker's own teardown (its inference process, ~200 ms). @livekit/agents (Node) logs
 * nothing after its shutdown callbacks: its own exit is the only word that it is done.
 */
const JOB_DONE = "http_session(): closing the httpclient ctx";

/** Terminal escapes removed: colors and cursor moves (CSI), titles and hyperlinks (OSC), and the rest. */
export function stripAnsi(text: string): string {
  return Bun.stripANSI(text);
}

/** The crash marker in a line of agent output, if any. */
export function crashMarkerIn(line: string): string | undefined {
  if (line.includes(PYTHON_CRASH)) return PYTHON_CRASH;
  if (line.includes(NODE_CRASH)) return NODE_CRASH;
  return undefined;
}

/** Longer than this, a line is written without waiting for its end. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

export class AgentOutput {
  private fd: number;
  private written = 0;
  private readonly lines: string[] = [];
  /** Each stream's unfinished last line: the two pipes interleave chunks, never lines. */
  private readonly partial: Record<OutputStream, string> = { stdout: "", stderr: "" };
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  onCrashMarker?: (line: string) => void;
  /**
   * Every complete, non-blank line, cleaned, with its stream, stamped as it arrives: the one source
   * of the `log` events (`say --logs` and the `events --logs` feed).
   */
  onLine?: (line: OutputLine) => void;
  /** Resolved once JOB_DONE is seen (made when first asked for). */
  private jobEnded: PromiseWithResolvers<void> | undefined;
  private jobDoneSeen = false;

  constructor(
    readonly logPath: string,
    private readonly capBytes = 8 * 1024 * 1024,
    private readonly keepLines = 200,
  ) {
    this.fd = openNoFollow(logPath, "truncate");
  }

  write(chunk: Uint8Array, stream: OutputStream = "stdout"): void {
    const text = this.partial[stream] + this.decoders[stream].decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.partial[stream] = parts.pop() ?? "";
    for (const raw of parts) this.addLine(raw, stream);
    // A line that never ends is written in pieces: memory stays bounded, and the log shows it.
    if (this.partial[stream].length > MAX_LINE_CHARS) {
      this.addLine(this.partial[stream], stream);
      this.partial[stream] = "";
    }
  }

  /** A line of lk's own in the log (a run's or a turn's marker), stamped now. */
  mark(text: string): void {
    this.append(formatLogLine(Date.now(), "lk", text));
  }

  /** The last lines, colors and carriage returns removed. */
  tail(count = 30): string[] {
    const pending = [this.partial.stdout, this.partial.stderr].filter((p) => p.trim()).map(clean);
    return [...this.lines, ...pending].filter((l) => l.trim() !== "").slice(-count);
  }

  /** Writes what is left of each stream's last line, then `lastMark` (the run's end marker), and closes the log. */
  close(lastMark?: string): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream]) this.addLine(this.partial[stream], stream);
      this.partial[stream] = "";
    }
    if (lastMark) this.mark(lastMark);
    this.abandonLog();
  }

  /**
   * Once the agent's framework says its job has ended, shutdown callbacks and clean-up done (JOB_DONE);
   * never for a framework that does not say (then only its exit tells).
   */
  jobDone(): Promise<void> {
    this.jobEnded ??= Promise.withResolvers<void>();
    if (this.jobDoneSeen) this.jobEnded.resolve();
    return this.jobEnded.promise;
  }

  private addLine(raw: string, stream: OutputStream): void {
    const at = Date.now();
    // As written (escapes and all: `logs --json` gives it exactly), but for the line's own CRs at
    // either end (Python begins every line with one; a CRLF ends others), which show nothing.
    this.append(formatLogLine(at, stream, raw.replace(/^\r+|\r+$/g, "")));
    const line = clean(raw);
    if (!this.jobDoneSeen && line.includes(JOB_DONE)) {
      this.jobDoneSeen = true;
      this.jobEnded?.resolve();
    }
    this.lines.push(line);
    // Before a crash marker's handling: the line is seen before the session ends for it.
    if (this.onLine && line.trim() !== "") this.onLine({ line, stream, at });
    if (this.lines.length > this.keepLines) this.lines.splice(0, this.lines.length - this.keepLines);
    if (crashMarkerIn(line)) this.onCrashMarker?.(line);
  }

  private append(line: string): void {
    // Never let a log problem (disk full, a file held open elsewhere) stop the draining of the agent's
    // pipes: an undrained pipe would block the agent mid-turn. The log is given up instead.
    if (this.fd < 0) return;
    const bytes = Buffer.from(`${line}\n`);
    try {
      if (this.written > 0 && this.written + bytes.length > this.capBytes) this.rotate();
      writeSync(this.fd, bytes);
      this.written += bytes.length;
    } catch {
      this.abandonLog();
    }
  }

  /** Keeps one previous file so a chatty agent cannot fill the disk. */
  private abandonLog(): void {
    try {
      if (this.fd >= 0) closeSync(this.fd);
    } catch {}
    this.fd = -1;
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.logPath, `${this.logPath}.1`);
    this.fd = openNoFollow(this.logPath, "truncate");
    this.written = 0;
  }
}

function clean(raw: string): string {
  // Python prefixes lines with \r; keep what a terminal would finally show.
  const segments = stripAnsi(raw).split("\r");
  return (segments.filter((s) => s !== "").pop() ?? "").trimEnd();
}
