// The agent's log as `logs` and `end --logs` print it: as written on a terminal (colors kept),
// escapes and carriage returns removed elsewhere, and `{"kind":"log"}` lines with --json.

import type { Reporter } from "./reporter.ts";
import { JSON_SCHEMA_VERSION } from "./reporter.ts";

export function logWriter(reporter: Reporter): (text: string) => void {
  const out = reporter.io.out;
  const clean = (text: string) =>
    out.isTTY && !reporter.json ? text : Bun.stripANSI(text).replace(/\r/g, "");
  return (text) => {
    if (!text) return;
    if (!reporter.json) out.write(clean(text));
    else
      for (const line of text.split("\n").filter((l) => l !== ""))
        out.write(`${JSON.stringify({ v: JSON_SCHEMA_VERSION, kind: "log", line: clean(line) })}\n`);
  };
}
