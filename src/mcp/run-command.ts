// Runs one session command in-process exactly as `lk agent session NAME --json …` runs it (the one
// runner, strict parsing, the same messages), and reads its NDJSON back. A tool's result is the
// CLI's result line, so fields other commands gain reach the MCP tools with no change here.

import type { CommandEnv } from "../cli/command.ts";
import { type CommandLoader, execute } from "../cli/runner.ts";
import type { CommandIO } from "../commands/_shared.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionClient } from "../session/session-client.ts";
import { VERSION } from "../version.ts";

/** The result line of `--json`: the envelope, and on failure the error and its detail lines. */
export interface ResultLine {
  ok: boolean;
  exitCode: number;
  error?: string;
  detail?: string[];
  [field: string]: unknown;
}

export interface CommandRun {
  result: ResultLine;
  /** What `logs --json` printed, one entry per line. */
  logs: string[];
}

export interface RunContext {
  session: SessionClient;
  env: CommandEnv;
  /** Each event as the command reports it (for progress notifications). */
  onEvent?(event: DeliveredEvent): void;
  /** Whatever the command writes on stderr (nothing, with --json; kept for the server's log). */
  onStderr?(text: string): void;
}

/** `args` follow the command's name; `--json` is added first, so that text after `--` stays text. */
export async function runCommand(
  name: string,
  load: CommandLoader<CommandIO>,
  args: string[],
  ctx: RunContext,
): Promise<CommandRun> {
  let result: ResultLine | undefined;
  const logs: string[] = [];
  const lines = new LineReader((line) => {
    if (line.kind === "event") ctx.onEvent?.(line.event as DeliveredEvent);
    else if (line.kind === "log") logs.push(String(line.line));
    else if (line.kind === "result") result = line as unknown as ResultLine;
  });
  await execute([name, "--json", ...args], {
    root: { name: "lk agent session", description: "", children: { [name]: load } },
    version: VERSION,
    env: ctx.env,
    streams: {
      out: { write: (text: string) => lines.write(text), isTTY: false },
      err: { write: (text: string) => ctx.onStderr?.(text), isTTY: false },
    },
    // No stdin under MCP: a tool's text always comes as an argument.
    io: async (reporter) => ({ reporter, session: ctx.session, readStdin: async () => "" }),
  });
  if (!result) throw new Error(`lk agent session ${name} --json printed no result line`);
  return { result, logs };
}

/** NDJSON as it is written, one parsed line at a time. */
class LineReader {
  private pending = "";

  constructor(private readonly onLine: (line: Record<string, unknown>) => void) {}

  write(text: string): void {
    this.pending += text;
    for (let nl = this.pending.indexOf("\n"); nl !== -1; nl = this.pending.indexOf("\n")) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (line.trim()) this.onLine(JSON.parse(line) as Record<string, unknown>);
    }
  }
}
