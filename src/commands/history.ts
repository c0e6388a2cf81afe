import { defineCommand } from "../cli/command.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface HistoryOptions {
  json: boolean;
  port: number;
}

export default defineCommand({
  path: "lk agent session history",
  description: "The conversation so far, as the agent keeps it",
  args: { ...portArg, ...jsonArg },
  examples: ["lk agent session history", "lk agent session history --json"],
  options: (args, env): HistoryOptions => ({ json: args.json, port: resolvePort(args.port, env.vars) }),
  run: async (o: HistoryOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "history" }, (e) => reporter.event(e));
    if (!done.ok) throw failureOf(done, state);
    reporter.info(reporter.events.length ? "" : "(no conversation yet)");
    return { fields: { events: reporter.events } };
  },
});
