import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { isTerminal, stdout } from "../cli/stdio.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { replyText } from "../render/reporter.ts";
import { command, failureOf } from "../session/client-session.ts";
import { checkExpectations, parseExpectations } from "../session/expect.ts";
import { findSession, jsonArg, parseSeconds, portArg, repeatedFlag, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: { name: "say", description: "Send one user turn and print what the agent says and does" },
  args: {
    text: {
      type: "positional",
      required: false,
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
      description: "A regular expression the agent's reply must match (repeatable; exit 2 when it does not)",
      valueHint: "REGEX",
    },
    ...jsonArg,
  },
  run: ({ args, rawArgs }) =>
    runReported("say", args.json === true, async (reporter) => {
      const port = resolvePort(args.port);
      const timeoutMs = parseSeconds(args.timeout, 120, "--timeout");
      const expectations = parseExpectations(repeatedFlag(rawArgs, "expect"));
      const text = await readText(args._);
      const state = await findSession(port);
      const done = await command(state, { cmd: "say", text, timeoutMs }, reporter);
      if (!reporter.json) stdout.write("\n");
      const reply = replyText(reporter.events);
      const fields = { text, reply, events: reporter.events };
      if (!done.ok) return { fields, error: failureOf(done, state) };
      const failed = checkExpectations(expectations, reply);
      if (failed) return { fields: { ...fields, expectations: failed.results }, error: failed.error };
      return {
        exitCode: EXIT.ok,
        fields: expectations.length
          ? { ...fields, expectations: expectations.map((e) => ({ pattern: e.source, ok: true })) }
          : fields,
      };
    }),
});

/** What fits in one run_input frame (1 MiB) with room for the rest of the message. */
export const MAX_TURN_TEXT_BYTES = 1_000_000;

/** The turn's text: the arguments joined, or stdin for `-` or when nothing is given and stdin is piped. */
export async function readText(positionals: string[]): Promise<string> {
  const fromArgs = positionals.join(" ");
  const wantsStdin = fromArgs === "-" || (positionals.length === 0 && !isTerminal(0));
  const text = wantsStdin ? (await Bun.stdin.text()).replace(/\r?\n$/, "") : fromArgs;
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
