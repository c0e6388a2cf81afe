import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { metricsLine } from "../render/metrics.ts";
import { droppedCount, replyText } from "../render/reporter.ts";
import { type Expectation, parseExpectations, parseToolExpectation } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import { type ObservedTurn, toolCalls } from "../session/observed-turn.ts";
import { playTurn } from "../session/play-turn.ts";
import { checkTurnSize } from "../session/turn-text.ts";
import {
  type CommandIO,
  DEFAULT_PORT,
  jsonArg,
  parseSeconds,
  portArg,
  portHint,
  resolvePort,
} from "./_shared.ts";

export interface SayOptions {
  json: boolean;
  port: number;
  timeoutMs: number;
  expectations: Expectation[];
  /** The turn's text; undefined to read it from stdin. */
  text: string | undefined;
  /** End with a line of latency, usage and turn time (--metrics, -v). */
  metrics: boolean;
  /** The agent's log lines of the turn, under the steps they belong to (--logs). */
  logs: boolean;
}

export default defineCommand({
  path: "lk agent session say",
  description: "Send one user turn and print what the agent says and does",
  args: {
    text: {
      type: "positional",
      required: false,
      rest: true,
      description: "What the user says (`-` or piped stdin reads it from stdin)",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent's turn (default 120s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    expect: {
      type: "string",
      repeatable: true,
      description: "A regular expression the agent's reply must match (repeatable; exit 2 when it does not)",
      valueHint: "REGEX",
    },
    metrics: {
      type: "boolean",
      description: "End with the turn's latency, token usage and duration (ttft · e2e · tokens · turn)",
    },
    verbose: { type: "boolean", alias: "v", description: "The same as --metrics" },
    logs: {
      type: "boolean",
      description: "Show the agent's own log lines of the turn, under the step they belong to",
    },
    "expect-tool": {
      type: "string",
      repeatable: true,
      description: "A tool the agent must call; with :JSON, its arguments must contain these (repeatable)",
      valueHint: "NAME[:JSON]",
    },
    "fail-on-tool-error": {
      type: "boolean",
      description: "Exit 2 when any tool of the turn failed, even if the agent recovered",
    },
    "expect-handoff": {
      type: "string",
      repeatable: true,
      description: "An agent the turn must hand off to (repeatable)",
      valueHint: "NAME",
    },
    ...jsonArg,
  },
  helpSections: [
    {
      title: "THE TEXT",
      lines: [
        "The words after `say` are the turn, joined by spaces (quote them to keep them as typed).",
        "`-` instead reads the whole turn from stdin, and so does a pipe or a file when no words are given:",
        '  echo "what\'s the weather in Paris?" | lk agent session say',
        "  lk agent session say - < turn.txt",
        "One final line break is dropped; other line breaks stay in the turn. Empty text is refused.",
      ],
    },
    {
      title: "EXIT CODES",
      lines: [
        "0    the agent finished the turn (a turn it did not answer too: `(no reply)`)",
        "1    an error: no session, bad input, an agent error, the agent or daemon gone",
        "2    an --expect, --expect-tool, --expect-handoff or --fail-on-tool-error did not hold",
        "124  the agent did not finish the turn within --timeout",
        "130  interrupted (Ctrl-C)",
      ],
    },
    {
      title: "JSON",
      lines: [
        "With --json: one line per event as it comes, then one result: text, reply, events, silent,",
        "turnMs, usage, expectations. Every event has `at` (ms since the epoch) and `turn`: its turn in",
        "the agent's run (1 for the first, 0 for the greeting; from 1 again after a restart), the N of",
        "`logs --turn N`; output from before the turn, marked `earlier`, has the one before.",
      ],
    },
  ],
  examples: [
    `lk agent session say "what's the weather in Paris?"`,
    `lk agent session say "this will fail" --logs --metrics`,
    `lk agent session say "transfer me to billing" --expect "/billing agent/i" --json`,
    `lk agent session say "weather in Paris?" --expect-tool 'lookup_weather:{"location":"Paris"}'`,
    `lk agent session say "transfer me to billing" --expect-handoff billing_agent`,
    `lk agent session say "check the inventory" --fail-on-tool-error`,
  ],
  options: (args, env): SayOptions => {
    const words = args.text.join(" ");
    const fromStdin = words === "-" || (args.text.length === 0 && !env.stdinIsTerminal);
    const port = resolvePort(args.port, env.vars);
    return {
      json: args.json,
      port,
      timeoutMs: parseSeconds(args.timeout, 120, "--timeout"),
      expectations: [
        ...parseExpectations(args.expect),
        ...args["expect-tool"].map(parseToolExpectation),
        ...args["expect-handoff"].map((to): Expectation => ({ kind: "handoff", to })),
        ...(args["fail-on-tool-error"] ? [{ kind: "tool_error", expected: false } as const] : []),
      ],
      text: fromStdin ? undefined : checkTurnText(words, port),
      metrics: args.metrics || args.verbose,
      logs: args.logs,
    };
  },
  // Before the text is known (an argument error), it is "".
  resultDefaults: (events) => sayFields("", events),
  run: async (o: SayOptions, { reporter, session, readStdin }: CommandIO) => {
    const text = o.text ?? checkTurnText((await readStdin()).replace(/\r?\n$/, ""), o.port);
    // From here every result, whatever ends the command (no session, the daemon dying, Ctrl-C), has the text.
    reporter.resultDefaults = (events) => sayFields(text, events);
    const state = runningSession(await session.find(o.port));
    const turn = { text, timeoutMs: o.timeoutMs, expectations: o.expectations, logs: o.logs };
    const played = await playTurn(session, state, turn, (e) => reporter.event(e));
    reporter.endEvents();
    const see = toolFailed(played.observed)
      ? `lk agent session logs${portHint(o.port)} --last-turn`
      : undefined;
    const fields = { ...sayFields(text, reporter.events), ...(see ? { see } : {}) };
    if (played.failure) {
      reporter.info("");
      return { fields, error: withHint(played.failure, see) };
    }
    const silent = fields.reply === "";
    if (silent) reporter.info(`\n  ${reporter.colors.dim("(no reply)")}`);
    reporter.info("");
    const data = played.data ?? { turnMs: Math.round(played.observed.wallMs) };
    if (o.metrics) reporter.info(`  ${reporter.colors.dim(metricsLine(reporter.events, data))}`);
    // Where the failing tool's traceback is: with the failure when there is one, else after the turn.
    if (see && !played.check.error) reporter.info(`  ${reporter.colors.dim(`see: ${see}`)}\n`);
    return {
      exitCode: EXIT.ok,
      fields: {
        ...fields,
        silent,
        turnMs: data.turnMs,
        ...(data.usage ? { usage: data.usage } : {}),
        ...(o.expectations.length ? { expectations: played.check.results } : {}),
      },
      error: withHint(played.check.error, see),
    };
  },
});

/** Did a tool of the turn fail (its output marked as an error), even if the agent recovered? */
function toolFailed(turn: ObservedTurn): boolean {
  return toolCalls(turn).some((call) => call.isError === true);
}

/** The failure, with `see: …` as its last hint. */
function withHint(error: UserError | undefined, see: string | undefined): UserError | undefined {
  if (!error || !see) return error;
  return new UserError(error.message, error.exitCode, [...error.detail, `see: ${see}`]);
}

/** What every say result has, failures included: the text, the reply, every event. */
function sayFields(text: string, events: DeliveredEvent[]) {
  return { text, reply: replyText(events), events, dropped: droppedCount(events) };
}

/** The turn's text as given, or a UserError when it is empty or too long for one turn. */
export function checkTurnText(text: string, port = DEFAULT_PORT): string {
  checkTurnSize(text);
  if (text.trim() === "") {
    throw new UserError("nothing to say: give the text as arguments, or pipe it on stdin", 1, [
      `e.g. lk agent session say${portHint(port)} "what's the weather in Paris?"`,
    ]);
  }
  return text;
}
