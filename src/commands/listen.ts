import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { stdout } from "../cli/stdio.ts";
import { replyText } from "../render/reporter.ts";
import { command, failureOf } from "../session/client-session.ts";
import { findSession, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "listen",
    description: "Wait for what the agent says on its own (a greeting, a timer), without sending a turn",
  },
  args: {
    ...portArg,
    timeout: {
      type: "string",
      description: "Seconds to wait for the agent to say something (default 30)",
      valueHint: "S",
    },
    ...jsonArg,
  },
  run: ({ args }) =>
    runReported("listen", args.json === true, async (reporter) => {
      const timeoutMs = parseSeconds(args.timeout, 30, "--timeout");
      const state = await findSession(resolvePort(args.port));
      const done = await command(state, { cmd: "listen", timeoutMs }, reporter);
      if (!reporter.json && reporter.events.length) stdout.write("\n");
      const fields = { reply: replyText(reporter.events), events: reporter.events };
      return done.ok ? { fields } : { fields, error: failureOf(done, state) };
    }),
});
