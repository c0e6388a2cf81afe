import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { replyText } from "../render/reporter.ts";
import { command, failureOf } from "../session/client-session.ts";
import { checkExpectations } from "../session/expect.ts";
import { parseReplay } from "../session/replay-file.ts";
import { findSession, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "replay",
    description:
      "Run a conversation file as successive turns, checking each reply (`? regex` lines); stops at the first failure",
  },
  args: {
    file: {
      type: "positional",
      required: true,
      description: "The conversation: one user turn per line, `? regex` after a turn",
    },
    ...portArg,
    timeout: { type: "string", description: "Seconds to wait for each turn (default 120)", valueHint: "S" },
    ...jsonArg,
  },
  run: ({ args }) =>
    runReported("replay", args.json === true, async (reporter) => {
      const timeoutMs = parseSeconds(args.timeout, 120, "--timeout");
      let content: string;
      try {
        content = readFileSync(args.file, "utf8");
      } catch (error) {
        throw new UserError(
          `cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      const turns = parseReplay(content, args.file);
      const state = await findSession(resolvePort(args.port));
      const c = reporter.colors;
      const results: Record<string, unknown>[] = [];
      let checked = 0;
      for (const [index, turn] of turns.entries()) {
        const before = reporter.events.length;
        const done = await command(state, { cmd: "say", text: turn.text, timeoutMs }, reporter);
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
        const failed = checkExpectations(turn.expectations, reply);
        result.expectations =
          failed?.results ??
          turn.expectations.map((e) => ({ pattern: e.source, negated: e.negated, ok: true }));
        checked += turn.expectations.length;
        for (const e of turn.expectations) {
          const ok =
            !failed || failed.results.find((r) => r.pattern === e.source && r.negated === e.negated)?.ok;
          reporter.info(
            `    ${ok ? c.green("✓") : c.red("✗")} ${e.negated ? "must not match" : "expect"} ${e.source}`,
          );
        }
        reporter.info("");
        if (failed) {
          result.ok = false;
          return {
            fields: { turns: results },
            error: new UserError(
              `turn ${index + 1} (line ${turn.line}): ${failed.error.message}`,
              EXIT.expectation,
              failed.error.detail,
            ),
          };
        }
      }
      const seconds = ((performance.now() - reporter.startedAt) / 1000).toFixed(1);
      reporter.info(c.green(`replay passed: ${turns.length} turns, ${checked} expectations, ${seconds} s`));
      return { fields: { turns: results, expectations: checked } };
    }),
});
