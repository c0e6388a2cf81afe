// The agent's own output: kept in a size-capped log file, its last lines in memory,
// and watched for the markers real frameworks print when they have failed.

import { closeSync, renameSync, writeSync } from "node:fs";
import { openNoFollow } from "../safe-files.ts";

/** Printed by livekit-agents (Python) when the job failed; the process itself stays alive. */
const PYTHON_CRASH = "job crashed";
/** Printed by @livekit/agents (Node) just before it exits 1. */
const NODE_CRASH = "console mode failed:";

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

export type OutputStream = "stdout" | "stderr";

export class AgentOutput {
  private fd: number;
  private written = 0;
  private readonly lines: string[] = [];
  /** Per stream: a line cut between two chunks must not be joined with the other stream's. */
  private readonly partial: Record<OutputStream, string> = { stdout: "", stderr: "" };
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  onCrashMarker?: (line: string) => void;
  /** Every complete line, cleaned, with the stream it came from (the events feed). */
  onLine?: (line: string, stream: OutputStream) => void;

  constructor(
    readonly logPath: string,
    private readonly capBytes = 8 * 1024 * 1024,
    private readonly keepLines = 200,
  ) {
    this.fd = openNoFollow(logPath, "truncate");
  }

  write(chunk: Uint8Array, stream: OutputStream = "stdout"): void {
    // Never let a log problem (disk full, a file held open elsewhere) stop the draining of the agent's
    // pipes: an undrained pipe would block the agent mid-turn. The log is given up instead.
    if (this.fd >= 0) {
      try {
        if (this.written + chunk.length > this.capBytes) this.rotate();
        writeSync(this.fd, chunk);
        this.written += chunk.length;
      } catch {
        this.abandonLog();
      }
    }
    const text = this.partial[stream] + this.decoders[stream].decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.partial[stream] = parts.pop() ?? "";
    for (const raw of parts) this.addLine(raw, stream);
  }

  /** A note of our own in the log (e.g. "agent exited with code 1"). */
  note(text: string): void {
    this.write(new TextEncoder().encode(`[lk] ${text}\n`));
  }

  /** The last lines, colors and carriage returns removed. */
  tail(count = 30): string[] {
    const pending = [this.partial.stdout, this.partial.stderr].filter((p) => p.trim()).map(clean);
    return [...this.lines, ...pending].filter((l) => l.trim() !== "").slice(-count);
  }

  close(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream]) this.addLine(this.partial[stream], stream);
      this.partial[stream] = "";
    }
    this.abandonLog();
  }

  private addLine(raw: string, stream: OutputStream): void {
    const line = clean(raw);
    this.lines.push(line);
    this.onLine?.(line, stream);
    if (this.lines.length > this.keepLines) this.lines.splice(0, this.lines.length - this.keepLines);
    if (crashMarkerIn(line)) this.onCrashMarker?.(line);
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
