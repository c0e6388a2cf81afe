import { readFileSync } from "node:fs";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { replyText } from "../render/reporter.ts";
import { failureOf } from "../session/client-session.ts";
import { checkExpectations } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import { parseReplay } from "../session/replay-file.ts";
import { type CommandIO, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export interface ReplayOptions {
  json: boolean;
  port: number;
  timeoutMs: number;
  /** As given: messages name it the way the user wrote it. */
  file: string;
}

export default defineCommand({
  path: "lk agent session replay",
  description:
    "Run a conversation file as successive turns, checking each reply (`? regex` lines); stops at the first failure",
  args: {
    file: {
      type: "positional",
      required: true,
      description: "The conversation: one user turn per line, `? regex` after a turn",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for each turn (default 120s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    ...jsonArg,
  },
  examples: ["lk agent session replay talk.txt", "lk agent session replay talk.txt --timeout 30 --json"],
  options: (args, env): ReplayOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    timeoutMs: parseSeconds(args.timeout, 120, "--timeout"),
    file: args.file as string,
  }),
  run: async (o: ReplayOptions, { reporter, session }: CommandIO) => {
    let content: string;
    try {
      content = readFileSync(o.file, "utf8");
    } catch (error) {
      throw new UserError(
        `cannot read ${o.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    const turns = parseReplay(content, o.file);
    const state = runningSession(await session.find(o.port));
    const c = reporter.colors;
    const results: Record<string, unknown>[] = [];
    let checked = 0;
    for (const [index, turn] of turns.entries()) {
      const before = reporter.events.length;
      const done = await session.send(state, { cmd: "say", text: turn.text, timeoutMs: o.timeoutMs }, (e) =>
        reporter.event(e),
      );
      const reply = replyText(reporter.events.slice(before));
      const result: Record<string, unknown> = {
        turn: index + 1,
        line: turn.line,
        text: turn.text,
        reply,
        ok: done.ok,
      };
      results.push(result);
      if (!done.ok) {
        const failure = failureOf(done, state);
        result.error = failure.message;
        reporter.info("");
        return {
          fields: { turns: results },
          error: new UserError(
            `turn ${index + 1} (line ${turn.line}) failed: ${failure.message}`,
            failure.exitCode,
            failure.detail,
          ),
        };
      }
      const check = checkExpectations(turn.expectations, reply);
      result.expectations = check.results;
      checked += turn.expectations.length;
      for (const r of check.results) {
        reporter.info(
          `    ${r.ok ? c.green("✓") : c.red("✗")} ${r.negated ? "must not match" : "expect"} ${r.pattern}`,
        );
      }
      reporter.info("");
      if (check.error) {
        result.ok = false;
        return {
          fields: { turns: results },
          error: new UserError(
            `turn ${index + 1} (line ${turn.line}): ${check.error.message}`,
            EXIT.expectation,
            check.error.detail,
          ),
        };
      }
    }
    const seconds = ((performance.now() - reporter.startedAt) / 1000).toFixed(1);
    reporter.info(c.green(`replay passed: ${turns.length} turns, ${checked} expectations, ${seconds} s`));
    return { fields: { turns: results, expectations: checked } };
  },
});
