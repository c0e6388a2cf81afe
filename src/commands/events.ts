import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { MAX_EVENTS_LAST } from "../protocol/control.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { feedLine } from "../render/feed.ts";
import { clockTime } from "../render/time.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface EventsOptions {
  json: boolean;
  port: number;
  /** How many recent events to replay first. */
  last: number;
  /** The agent's log lines too. */
  logs: boolean;
}

export default defineCommand({
  path: "lk agent session events",
  description:
    "A live feed of every event, a timestamped line each, until Ctrl-C or the end (it takes no part in the talk)",
  args: {
    ...portArg,
    last: {
      type: "string",
      alias: "n",
      description: `Replay this many recent events first (default 50, at most ${MAX_EVENTS_LAST}; 0: none)`,
      valueHint: "N",
    },
    logs: {
      type: "boolean",
      description: "The agent's log lines too (replayed: those of the --last events' span)",
    },
    ...jsonArg,
  },
  examples: ["lk agent session events", "lk agent session events --last 0 --logs --json"],
  // It runs until stopped: Ctrl-C is its ordinary end.
  interruptExitCode: EXIT.ok,
  options: (args, env): EventsOptions => {
    const last = args.last === undefined ? 50 : Number(args.last);
    if (!/^\d+$/.test(args.last ?? "50") || last > MAX_EVENTS_LAST)
      throw new UserError(
        `--last must be a whole number from 0 to ${MAX_EVENTS_LAST} (got ${JSON.stringify(args.last)})`,
      );
    return { json: args.json, port: resolvePort(args.port, env.vars), last, logs: args.logs };
  },
  run: async (o: EventsOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    let count = 0;
    const done = await session.send(state, { cmd: "events", last: o.last, logs: o.logs }, (event) => {
      count++;
      reporter.pass(event, feedLine(event, reporter.colors));
    });
    if (!done.ok) throw failureOf(done, state);
    reporter.info(`${reporter.colors.dim(clockTime(Date.now(), true))}  session ended: ${done.data.ended}`);
    return { fields: { events: count, ended: done.data.ended } };
  },
});
