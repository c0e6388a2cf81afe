// The agent's log as `logs` and `end --logs` print it: plain text on a terminal and in a pipe alike,
// and with --json `{"kind":"log"}` lines keeping each line exactly as the agent wrote it.

import type { Reporter } from "./reporter.ts";
import { JSON_SCHEMA_VERSION } from "./reporter.ts";
import { logText, safeJson } from "./visible.ts";

export function logWriter(reporter: Reporter): (text: string) => void {
  const out = reporter.io.out;
  return (text) => {
    if (!text) return;
    if (!reporter.json) out.write(logText(text));
    else
      for (const line of text.split("\n").filter((l) => l !== ""))
        out.write(`${safeJson({ v: JSON_SCHEMA_VERSION, kind: "log", line })}\n`);
  };
}
