import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import type { Reporter } from "../render/reporter.ts";
import { chatHistory } from "../session/chat-history.ts";
import type { ExpectationResult } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import {
  type GreetingCheck,
  type GreetingSource,
  greetingInHistory,
  judgeGreeting,
} from "../session/greeting.ts";
import { toolCalls } from "../session/observed-turn.ts";
import { playTurn } from "../session/play-turn.ts";
import type { RestartedSession } from "../session/restart-session.ts";
import { loadScenario } from "../session/scenario-files.ts";
import type { SessionClient } from "../session/session-client.ts";
import type { SessionState } from "../state/session-file.ts";
import { type CommandIO, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export interface ReplayOptions {
  json: boolean;
  port: number;
  /** Undefined: the file's own (a scenario's `timeout:`, else 120 s). */
  timeoutMs: number | undefined;
  /** As given: messages name it the way the user wrote it. */
  file: string;
  /** Restart the agent first: a clean conversation, and a greeting just said. */
  fresh?: boolean;
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
        "The conversation: one user turn per line, `? regex` after a turn (before the first: the greeting); or a *.lktest.yaml scenario",
    },
    ...portArg,
    timeout: {
      type: "string",
      description:
        "How long to wait for each turn (default: a scenario's timeout, else 120s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    fresh: {
      type: "boolean",
      description:
        "Restart the agent first (as `restart` does: same daemon and port, the environment recorded at start): the replay starts from a clean conversation, and the greeting checked is the one it just said; an agent that fails to start fails the replay (exit 1) and leaves the session up without one",
    },
    ...jsonArg,
  },
  helpSections: [
    {
      title: "FILE FORMAT",
      lines: [
        "One user turn per line. Blank lines and lines starting with # are comments.",
        "  ? PATTERN     the agent's reply to the turn above must match PATTERN (as many as you like)",
        "  ?! PATTERN    ... and must not match PATTERN",
        "  PATTERN is a regular expression (`sunny`, `^The weather`), or /regex/flags (`/billing agent/i`).",
        "  A line ending in \\ goes on on the next line: one turn, the two lines joined by a line break.",
        "  ? and ?! lines before the first turn check the greeting: what the agent said on its own at",
        "  start. A greeting check expects a greeting: an agent that said nothing fails it (exit 2).",
        "  With --fresh that is what the restarted agent just said; without it, what the running agent",
        "  said before its first turn, as its chat history has it (replay says so when the session has",
        "  had turns since: they are before the file's first turn).",
        "",
        "  # weather, then billing",
        "  ? /hello/i",
        "  what's the weather in Paris?",
        "  ? sunny",
        "  ?! error",
        "  transfer me to billing",
        "  ? /billing agent/i",
        "",
        "A *.lktest.yaml scenario runs too (its turns, expectations and greeting:), in the running",
        "session: its agent, args and env are for `lk agent session test`.",
      ],
    },
    {
      title: "EXIT CODES",
      lines: [
        "0    every turn ran and every expectation held",
        "1    a turn failed (an agent error, the agent or daemon gone), a bad file, no session, or",
        "     --fresh could not restart the agent (the session stays up without one: fix it, `restart`)",
        "2    an expectation (or the greeting check) did not hold: what was expected and what came",
        "124  a turn did not finish within --timeout",
        "130  interrupted (Ctrl-C)",
      ],
    },
    {
      title: "JSON",
      lines: [
        "With --json: the events as they come (each with `turn`: its turn in the agent's run, from 1;",
        "0 for the greeting; a restart counts from 1 again, as the log's turn markers do), then one",
        "result: `turns` (per file turn: turn, line, text, reply, ok, expectations, events, toolErrors:",
        "[{name, output, error?}]), `expectations` (how many), `greeting` (line, source: start or",
        "history, text, ok, expectations) when the file checks it, and `restarted` with --fresh.",
      ],
    },
  ],
  examples: [
    "lk agent session replay talk.txt",
    "lk agent session replay talk.txt --fresh",
    "lk agent session replay talk.txt --timeout 30 --json",
    "lk agent session replay tests/weather.lktest.yaml",
  ],
  options: (args, env): ReplayOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    timeoutMs: parseSeconds(args.timeout, undefined, "--timeout"),
    file: args.file as string,
    fresh: args.fresh,
  }),
  run: async (o: ReplayOptions, { reporter, session }: CommandIO) => {
    const scenario = loadScenario(o.file, o.file);
    let state = runningSession(await session.find(o.port));
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
    const fields: Record<string, unknown> = {};
    let greeting: { events: DeliveredEvent[]; source: GreetingSource } | undefined;
    if (o.fresh) {
      const restarted = await freshAgent(session, state, reporter);
      reporter.info("");
      state = runningSession(await session.find(o.port));
      fields.restarted = restarted;
      greeting = { events: restarted.greeting, source: "start" };
    }
    if (scenario.greeting) {
      greeting ??= await greetingFromHistory(session, state, reporter);
      const judged = judgeGreeting(scenario.greeting, greeting.events, greeting.source);
      fields.greeting = judged.record;
      showGreetingCheck(reporter, scenario.greeting, judged.record, greeting.events);
      if (judged.error) {
        return {
          fields: { ...fields, turns: [] },
          error: new UserError(
            `greeting (line ${scenario.greeting.line}): ${judged.error.message}`,
            EXIT.expectation,
            judged.error.detail,
          ),
        };
      }
    }
    const results: Record<string, unknown>[] = [];
    fields.turns = results;
    let checked = scenario.greeting?.expectations.length ?? 0;
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
        events: played.observed.events,
        // What failed, in the agent's words and (when it says) what the tool really raised.
        toolErrors: toolCalls(played.observed)
          .filter((call) => call.isError)
          .map((call) => ({
            name: call.name,
            output: call.output ?? "",
            ...(call.error ? { error: call.error } : {}),
          })),
      };
      results.push(result);
      if (played.failure) {
        result.error = played.failure.message;
        reporter.info("");
        return {
          fields,
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
          fields,
          error: new UserError(
            `turn ${index + 1} (line ${turn.line}): ${check.error.message}`,
            EXIT.expectation,
            check.error.detail,
          ),
        };
      }
    }
    const seconds = ((performance.now() - reporter.startedAt) / 1000).toFixed(1);
    const n = scenario.turns.length;
    const greeted = scenario.greeting ? " and the greeting" : "";
    reporter.info(
      c.green(
        `replay passed: ${n} turn${n === 1 ? "" : "s"}${greeted}, ${checked} expectations, ${seconds} s`,
      ),
    );
    return { fields: { ...fields, expectations: checked } };
  },
});

/**
 * --fresh: the daemon restarts the agent as `restart` does (same launch, the environment recorded at
 * start). One that fails to start fails the replay before any turn; the session stays up without an
 * agent, as after a failed `restart`.
 */
async function freshAgent(
  session: SessionClient,
  state: SessionState,
  reporter: Reporter,
): Promise<RestartedSession> {
  reporter.info(`Restarting ${state.agent.label} agent (${state.agent.entry} in ${state.agent.root})`);
  try {
    return await session.restart(reporter, state, { env: {} });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`replay --fresh: no turn was run: ${error.message}`, error.exitCode, error.detail);
  }
}

/**
 * Without --fresh: what the running agent said before its first turn, as its chat history has it.
 * A session that has had turns since is said to have them: they come before the file's first turn.
 */
async function greetingFromHistory(
  session: SessionClient,
  state: SessionState,
  reporter: Reporter,
): Promise<{ events: DeliveredEvent[]; source: GreetingSource }> {
  const got = await chatHistory(session, state);
  if ("failure" in got) {
    throw new UserError(
      `could not read the greeting from the agent's chat history: ${got.failure.message}`,
      got.failure.exitCode,
      [...got.failure.detail, "or replay with --fresh, which checks the greeting of a restarted agent"],
    );
  }
  const turns = got.events.filter((e) => e.type === "message" && e.role === "user").length;
  if (turns > 0)
    reporter.note(
      `note: the greeting checked is the one the agent said at its start, ${turns} turn${turns === 1 ? "" : "s"} ago; --fresh restarts it first`,
    );
  return { events: greetingInHistory(got.events), source: "history" };
}

/** The greeting's check under its line; the greeting itself too when it came from the history (start showed its own). */
function showGreetingCheck(
  reporter: Reporter,
  check: GreetingCheck,
  record: { source: GreetingSource; text: string | null; expectations: ExpectationResult[] },
  events: DeliveredEvent[],
): void {
  const c = reporter.colors;
  if (record.source === "history") {
    reporter.info(`greeting (line ${check.line}), from the agent's chat history:`);
    for (const event of events) if (event.type === "message") reporter.event({ ...event, earlier: false });
    if (record.text === null) reporter.info(`\n  ${c.dim("(the agent said nothing before its first turn)")}`);
    reporter.endEvents();
  } else {
    reporter.info(`greeting (line ${check.line}):`);
    if (record.text === null) reporter.info(`  ${c.dim("(the agent said nothing on its own at start)")}`);
  }
  for (const r of record.expectations)
    reporter.info(`    ${r.ok ? c.green("✓") : c.red("✗")} ${resultLine(r)}`);
  reporter.info("");
}

/** Reply patterns as replay files write them (`expect P`, `must not match P`); the others in words. */
function resultLine(r: ExpectationResult): string {
  if (r.kind === "reply") return `${r.negated ? "must not match" : "expect"} ${r.pattern}`;
  return `expect ${r.expected}`;
}
