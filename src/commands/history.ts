import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { stdout } from "../cli/stdio.ts";
import { command, failureOf } from "../session/client-session.ts";
import { findSession, jsonArg, portArg, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: { name: "history", description: "The conversation so far, as the agent keeps it" },
  args: { ...portArg, ...jsonArg },
  run: ({ args }) =>
    runReported("history", args.json === true, async (reporter) => {
      const state = await findSession(resolvePort(args.port));
      const done = await command(state, { cmd: "history" }, reporter);
      if (!done.ok) throw failureOf(done, state);
      if (!reporter.json) stdout.write(reporter.events.length ? "\n" : "(no conversation yet)\n");
      return { fields: { events: reporter.events } };
    }),
});
