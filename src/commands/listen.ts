import { defineCommand } from "../cli/command.ts";
import { replyText } from "../render/reporter.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { type CommandIO, jsonArg, parseSeconds, portArg, resolvePort } from "./_shared.ts";

export interface ListenOptions {
  json: boolean;
  port: number;
  timeoutMs: number;
}

export default defineCommand({
  path: "lk agent session listen",
  description: "Wait for what the agent says on its own (a greeting, a timer), without sending a turn",
  args: {
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent to say something (default 30s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    ...jsonArg,
  },
  examples: ["lk agent session listen", "lk agent session listen --timeout 5 --json"],
  options: (args, env): ListenOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    timeoutMs: parseSeconds(args.timeout, 30, "--timeout"),
  }),
  run: async (o: ListenOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "listen", timeoutMs: o.timeoutMs }, (e) =>
      reporter.event(e),
    );
    if (reporter.events.length) reporter.info("");
    const fields = { reply: replyText(reporter.events), events: reporter.events };
    return done.ok ? { fields } : { fields, error: failureOf(done, state) };
  },
});
