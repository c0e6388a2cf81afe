import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { droppedCount } from "../render/reporter.ts";
import { type Expectation, parseExpectations, parseToolExpectation } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import { playTurn } from "../session/play-turn.ts";
import { type CommandIO, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export interface SayOptions {
  json: boolean;
  port: number;
  timeoutMs: number;
  expectations: Expectation[];
  /** The turn's text; undefined to read it from stdin. */
  text: string | undefined;
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
      description: "Seconds to wait for the agent's turn (default 120)",
      valueHint: "S",
    },
    expect: {
      type: "string",
      repeatable: true,
      description: "A regular expression the agent's reply must match (repeatable; exit 2 when it does not)",
      valueHint: "REGEX",
    },
    "expect-tool": {
      type: "string",
      repeatable: true,
      description: "A tool the agent must call; with :JSON, its arguments must contain these (repeatable)",
      valueHint: "NAME[:JSON]",
    },
    "expect-handoff": {
      type: "string",
      repeatable: true,
      description: "An agent the turn must hand off to (repeatable)",
      valueHint: "NAME",
    },
    ...jsonArg,
  },
  examples: [
    `lk agent session say "what's the weather in Paris?"`,
    `lk agent session say "transfer me to billing" --expect "/billing agent/i" --json`,
    `lk agent session say "weather in Paris?" --expect-tool 'lookup_weather:{"location":"Paris"}'`,
    `lk agent session say "transfer me to billing" --expect-handoff billing_agent`,
  ],
  options: (args, env): SayOptions => {
    const words = args.text.join(" ");
    const fromStdin = words === "-" || (args.text.length === 0 && !env.stdinIsTerminal);
    return {
      json: args.json,
      port: resolvePort(args.port, env.vars),
      timeoutMs: parseSeconds(args.timeout, 120, "--timeout"),
      expectations: [
        ...parseExpectations(args.expect),
        ...args["expect-tool"].map(parseToolExpectation),
        ...args["expect-handoff"].map((to): Expectation => ({ kind: "handoff", to })),
      ],
      text: fromStdin ? undefined : checkTurnText(words),
    };
  },
  run: async (o: SayOptions, { reporter, session, readStdin }: CommandIO) => {
    const text = o.text ?? checkTurnText((await readStdin()).replace(/\r?\n$/, ""));
    const state = runningSession(await session.find(o.port));
    const turn = { text, timeoutMs: o.timeoutMs, expectations: o.expectations };
    const played = await playTurn(session, state, turn, (e) => reporter.event(e));
    reporter.info("");
    const fields: Record<string, unknown> = {
      text,
      reply: played.observed.reply,
      events: reporter.events,
      dropped: droppedCount(reporter.events),
    };
    if (played.failure) return { fields, error: played.failure };
    if (o.expectations.length) fields.expectations = played.check.results;
    return { exitCode: EXIT.ok, fields, error: played.check.error };
  },
});

/** What fits in one run_input frame (1 MiB) with room for the rest of the message. */
export const MAX_TURN_TEXT_BYTES = 1_000_000;

/** The turn's text as given, or a UserError when it is empty or too long for one turn. */
export function checkTurnText(text: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_TURN_TEXT_BYTES) {
    throw new UserError(
      `the text is too long: ${bytes} bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`,
      1,
      ["the agent protocol refuses messages over 1 MiB; split it into several turns"],
    );
  }
  if (text.trim() === "") {
    throw new UserError("nothing to say: give the text as arguments, or pipe it on stdin", 1, [
      'e.g. lk agent session say "what\'s the weather in Paris?"',
    ]);
  }
  return text;
}
