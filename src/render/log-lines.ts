// The agent's log as `logs` and `end --logs` print it: each line as the file has it (its time, in
// local time, its stream, the text) in plain text on a terminal and in a pipe alike, and with --json one
// `{"kind":"log"}` line each: `at` (ms since the epoch, as events have it), `stream`, `line` (exactly
// as the agent wrote it) and `turn` when the line belongs to one.

import { type LogLine, localLogLine } from "../protocol/agent-log.ts";
import type { Reporter } from "./reporter.ts";
import { JSON_SCHEMA_VERSION } from "./reporter.ts";
import { logText, safeJson } from "./visible.ts";

/** A line of the log as read back: the file's line (`raw`) and its parts. */
export type PrintedLogLine = LogLine & { raw: string; turn?: number };

export function logWriter(reporter: Reporter): (lines: PrintedLogLine[]) => void {
  const out = reporter.io.out;
  return (lines) => {
    if (lines.length === 0) return;
    if (!reporter.json) {
      out.write(logText(lines.map((l) => `${localLogLine(l, l.raw)}\n`).join("")));
      return;
    }
    for (const { at, stream, text, turn } of lines) {
      const fields = {
        ...(at === undefined ? {} : { at }),
        ...(stream === undefined ? {} : { stream }),
        line: text,
        ...(turn === undefined ? {} : { turn }),
      };
      out.write(`${safeJson({ v: JSON_SCHEMA_VERSION, kind: "log", ...fields })}\n`);
    }
  };
}
