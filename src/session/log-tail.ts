// The end of a log, read backwards from its end in bounded steps: a huge log costs what its last
// lines cost. Used by `logs` and by every failure that shows the agent's or the daemon's last lines.

import { closeSync, existsSync, fstatSync, readSync, statSync } from "node:fs";
import { openNoFollow } from "../safe-files.ts";

const STEP_BYTES = 64 * 1024;
/** Never read more than this from the end, however long the lines. */
export const MAX_TAIL_BYTES = 512 * 1024;

export interface Tail {
  /** The last lines, without their newlines; trailing blank lines left out. */
  lines: string[];
  /** The file's size when read: where following it goes on from. */
  size: number;
}

/** The last `count` lines of a file (none when it is missing or empty). */
export function tailLines(path: string, count = 15): string[] {
  try {
    return readTail(path, count).lines;
  } catch {
    return [];
  }
}

/** The last `count` lines and the size; throws when the file cannot be read. */
export function readTail(path: string, count: number, maxBytes = MAX_TAIL_BYTES): Tail {
  const fd = openNoFollow(path, "read");
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // One newline more than lines wanted: the line before them must be complete.
    while (start > 0 && newlines <= count && size - start < maxBytes) {
      const length = Math.min(STEP_BYTES, start, maxBytes - (size - start));
      start -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, start);
      chunks.unshift(chunk);
      for (const byte of chunk) if (byte === 0x0a) newlines++;
    }
    const lines = Buffer.concat(chunks).toString("utf8").split("\n");
    // Read from the middle of the file: its first line is cut.
    if (start > 0) lines.shift();
    while (lines.length && (lines.at(-1) as string).trim() === "") lines.pop();
    return { lines: count > 0 ? lines.slice(-count) : [], size };
  } finally {
    closeSync(fd);
  }
}

/** The bytes from `from` to `to` as text (what a followed log gained). */
export function readRange(path: string, from: number, to: number): string {
  const fd = openNoFollow(path, "read");
  try {
    const buffer = Buffer.alloc(Math.max(0, to - from));
    const read = readSync(fd, buffer, 0, buffer.length, from);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** All of a log: its rotated older part first, if any (nothing when there is no log). */
export function wholeLog(path: string): string {
  return [`${path}.1`, path]
    .filter((p) => existsSync(p))
    .map((p) => readRange(p, 0, statSync(p).size))
    .join("");
}

/**
 * Each line of a file, the last first, read backwards in steps, until `visit` returns true (then
 * true). What it costs is what the lines visited cost.
 */
export function visitBackwards(path: string, visit: (line: string) => boolean): boolean {
  const fd = openNoFollow(path, "read");
  try {
    let end = fstatSync(fd).size;
    // The start of the line the last step began in the middle of.
    let carry: Buffer = Buffer.alloc(0);
    let last = true;
    while (end > 0) {
      const length = Math.min(STEP_BYTES, end);
      end -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, end);
      const bytes = Buffer.concat([chunk, carry]);
      const cut = end > 0 ? bytes.indexOf(0x0a) : -1;
      carry = end > 0 ? bytes.subarray(0, cut === -1 ? bytes.length : cut) : Buffer.alloc(0);
      if (end > 0 && cut === -1) continue;
      const lines = bytes
        .subarray(cut + 1)
        .toString("utf8")
        .split("\n");
      // The file's last newline ends its last line: nothing after it.
      if (last && lines.at(-1) === "") lines.pop();
      last = false;
      for (let i = lines.length - 1; i >= 0; i--) if (visit(lines[i] as string)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
