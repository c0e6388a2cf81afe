// stdout and stderr for commands, without Node's stream objects: in a compiled binary, touching
// process.stdout (or loading node:tty) costs ~12 ms of start-up, most of a `say`. Writes go through
// Bun.write in order, and exit waits for them (process.exit() would drop output still queued in a pipe).

import { fstatSync, statSync, writeSync } from "node:fs";
import { profileLine } from "../profile.ts";

export class TrackedStream {
  private last: Promise<unknown> = Promise.resolve();
  /** Written, not yet handed to Bun.write: what comes while a write is under way goes out as one. */
  private pending = "";
  private tty: boolean | undefined;
  private diverted: TrackedStream | undefined;

  constructor(
    private readonly fd: 1 | 2,
    private readonly file: ReturnType<typeof Bun.file>,
  ) {}

  /** A terminal: a character device other than /dev/null (Windows asks the console). */
  get isTTY(): boolean {
    this.tty ??= isTerminal(this.fd);
    return this.tty;
  }

  write(text: string): void {
    if (this.diverted) {
      this.diverted.write(text);
      return;
    }
    if (text === "") return;
    const first = this.pending === "";
    this.pending += text;
    if (!first) return;
    this.last = this.last
      .then(() => {
        const out = this.pending;
        this.pending = "";
        return Bun.write(this.file, out);
      })
      .catch(() => {});
  }

  /** From now on, what is written here goes to `to` (under `mcp`, stdout carries the protocol alone). */
  divertTo(to: TrackedStream): void {
    this.diverted = to;
  }

  /** Resolves when everything written so far is out. */
  flushed(): Promise<unknown> {
    return this.last;
  }
}

export function isTerminal(fd: 0 | 1 | 2): boolean {
  if (process.platform === "win32") {
    const stream = fd === 0 ? process.stdin : fd === 1 ? process.stdout : process.stderr;
    return stream.isTTY === true;
  }
  try {
    const stat = fstatSync(fd);
    return stat.isCharacterDevice() && stat.rdev !== statSync("/dev/null").rdev;
  } catch {
    return false;
  }
}

export const stdout = new TrackedStream(1, Bun.stdout);
export const stderr = new TrackedStream(2, Bun.stderr);

/** Waits (at most 10 s) for stdout and stderr to drain, then exits. */
export async function flushAndExit(code: number): Promise<never> {
  await Promise.race([Promise.all([stdout.flushed(), stderr.flushed()]), Bun.sleep(10_000)]);
  const profile = profileLine();
  if (profile) writeSync(2, profile);
  process.exit(code);
}
