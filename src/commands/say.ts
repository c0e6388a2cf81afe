import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { droppedCount, replyText } from "../render/reporter.ts";
import { failureOf } from "../session/client-session.ts";
import { checkExpectations, type Expectation, parseExpectations } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
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
    ...jsonArg,
  },
  examples: [
    `lk agent session say "what's the weather in Paris?"`,
    `lk agent session say "transfer me to billing" --expect "/billing agent/i" --json`,
  ],
  options: (args, env): SayOptions => {
    const words = args.text.join(" ");
    const fromStdin = words === "-" || (args.text.length === 0 && !env.stdinIsTerminal);
    const port = resolvePort(args.port, env.vars);
    return {
      json: args.json,
      port,
      timeoutMs: parseSeconds(args.timeout, 120, "--timeout"),
      expectations: parseExpectations(args.expect),
      text: fromStdin ? undefined : checkTurnText(words, port),
    };
  },
  // Before the text is known (an argument error), it is "".
  resultDefaults: (events) => sayFields("", events),
  run: async (o: SayOptions, { reporter, session, readStdin }: CommandIO) => {
    const text = o.text ?? checkTurnText((await readStdin()).replace(/\r?\n$/, ""), o.port);
    // From here every result, whatever ends the command (no session, the daemon dying, Ctrl-C), has the text.
    reporter.resultDefaults = (events) => sayFields(text, events);
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "say", text, timeoutMs: o.timeoutMs }, (e) =>
      reporter.event(e),
    );
    reporter.info("");
    const fields = sayFields(text, reporter.events);
    if (!done.ok) return { fields, error: failureOf(done, state) };
    const checked = checkExpectations(o.expectations, fields.reply);
    return {
      exitCode: EXIT.ok,
      fields: o.expectations.length ? { ...fields, expectations: checked.results } : fields,
      error: checked.error,
    };
  },
});

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
