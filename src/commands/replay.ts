import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import type { ExpectationResult } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import { playTurn } from "../session/play-turn.ts";
import { loadScenario } from "../session/scenario-files.ts";
import { type CommandIO, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export interface ReplayOptions {
  json: boolean;
  port: number;
  /** Undefined: the file's own (a scenario's `timeout:`, else 120 s). */
  timeoutMs: number | undefined;
  /** As given: messages name it the way the user wrote it. */
  file: string;
}

export default defineCommand({
  path: "lk agent session replay",
  description:
    "Run a conversation file (or a test scenario) as successive turns in the running session, checking each; stops at the first failure",
  args: {
    file: {
      type: "positional",
      required: true,
      description:
        "The conversation: one user turn per line, `? regex` after a turn; or a *.lktest.yaml scenario",
    },
    ...portArg,
    timeout: {
      type: "string",
      description:
        "How long to wait for each turn (default: a scenario's timeout, else 120s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    ...jsonArg,
  },
  examples: ["lk agent session replay talk.txt", "lk agent session replay talk.txt --timeout 30 --json"],
  options: (args, env): ReplayOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    timeoutMs: parseSeconds(args.timeout, undefined, "--timeout"),
    file: args.file as string,
  }),
  run: async (o: ReplayOptions, { reporter, session }: CommandIO) => {
    const scenario = loadScenario(o.file, o.file);
    const state = runningSession(await session.find(o.port));
    if (scenario.agent || scenario.args.length || Object.keys(scenario.env).length)
      reporter.note(
        "note: replay uses the running session; the scenario's agent, args and env apply to `test`",
      );
    if (scenario.audio && !state.launch.audio)
      reporter.note(
        "note: the scenario has `audio: true` but this is a text session: its turns are typed, and `heard:` cannot hold",
      );
    // Spoken at the scenario's speed, when the session speaks.
    const speed = state.launch.audio ? scenario.audio?.speed : undefined;
    const c = reporter.colors;
    const results: Record<string, unknown>[] = [];
    let checked = 0;
    for (const [index, turn] of scenario.turns.entries()) {
      const timeoutMs = o.timeoutMs ?? scenario.timeoutMs;
      const spoken = speed !== undefined ? { audio: { speed } } : {};
      const played = await playTurn(session, state, { ...turn, timeoutMs, ...spoken }, (e) =>
        reporter.event(e),
      );
      const result: Record<string, unknown> = {
        turn: index + 1,
        line: turn.line,
        text: turn.text,
        reply: played.observed.reply,
        ok: !played.failure,
      };
      results.push(result);
      if (played.failure) {
        result.error = played.failure.message;
        reporter.info("");
        return {
          fields: { turns: results },
          error: new UserError(
            `turn ${index + 1} (line ${turn.line}) failed: ${played.failure.message}`,
            played.failure.exitCode,
            played.failure.detail,
          ),
        };
      }
      const check = played.check;
      result.expectations = check.results;
      checked += turn.expectations.length;
      for (const r of check.results)
        reporter.info(`    ${r.ok ? c.green("✓") : c.red("✗")} ${resultLine(r)}`);
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
    reporter.info(
      c.green(`replay passed: ${scenario.turns.length} turns, ${checked} expectations, ${seconds} s`),
    );
    return { fields: { turns: results, expectations: checked } };
  },
});

/** Reply patterns as replay files write them (`expect P`, `must not match P`); the others in words. */
function resultLine(r: ExpectationResult): string {
  if (r.kind === "reply") return `${r.negated ? "must not match" : "expect"} ${r.pattern}`;
  return `expect ${r.expected}`;
}
