// The last lines of a log, and how every command shows them under a failure.

import { readFileSync } from "node:fs";

/** The last `count` lines of a file (none when it is missing or empty). */
export function tailLines(path: string, count = 15): string[] {
  try {
    const text = readFileSync(path, "utf8").trimEnd();
    return text === "" ? [] : text.split("\n").slice(-count);
  } catch {
    return [];
  }
}

/** `title` and the lines indented below it; nothing when there are no lines. */
export function outputDetail(title: string, lines: string[] | undefined): string[] {
  return lines?.length ? [title, ...lines.map((l) => `  ${l}`)] : [];
}
