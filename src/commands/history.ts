import { resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { saveTest } from "../session/record-test.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface HistoryOptions {
  json: boolean;
  port: number;
  /** Where to save the conversation as a test scenario (absolute), if anywhere. */
  saveTest?: string;
}

export default defineCommand({
  path: "lk agent session history",
  description: "The conversation so far, as the agent keeps it",
  args: {
    ...portArg,
    "save-test": {
      type: "string",
      description: "Also save the conversation as a test scenario (run it with `lk agent session test FILE`)",
      valueHint: "FILE",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session history",
    "lk agent session history --json",
    "lk agent session history --save-test tests/weather.lktest.yaml",
  ],
  options: (args, env): HistoryOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    saveTest: args["save-test"] ? resolve(env.cwd, args["save-test"]) : undefined,
  }),
  run: async (o: HistoryOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "history" }, (e) => reporter.event(e));
    if (!done.ok) throw failureOf(done, state);
    reporter.info(reporter.events.length ? "" : "(no conversation yet)");
    if (!o.saveTest) return { fields: { events: reporter.events } };
    const turns = saveTest(reporter.events, state, o.saveTest, "lk agent session history --save-test");
    reporter.info(`Saved ${turns} turn${turns === 1 ? "" : "s"} as a test: ${o.saveTest}`);
    return { fields: { events: reporter.events, savedTest: { file: o.saveTest, turns } } };
  },
});
