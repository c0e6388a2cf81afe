import { existsSync, statSync } from "node:fs";
import { isAlive } from "../agent/pids.ts";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { logWriter } from "../render/log-lines.ts";
import { runningSession } from "../session/find-session.ts";
import { readRange, readTail } from "../session/log-tail.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface LogsOptions {
  json: boolean;
  port: number;
  lines: number;
  follow: boolean;
}

const FOLLOW_POLL_MS = 200;

export default defineCommand({
  path: "lk agent session logs",
  description: "The agent's own output (stdout and stderr), as the daemon keeps it",
  args: {
    ...portArg,
    lines: {
      type: "string",
      alias: "n",
      description: "How many of the last lines to show (default 50)",
      valueHint: "N",
    },
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing new output until interrupted or the session ends",
    },
    ...jsonArg,
  },
  examples: ["lk agent session logs -n 20", "lk agent session logs -f"],
  options: (args, env): LogsOptions => {
    const lines = args.lines === undefined ? 50 : Number(args.lines);
    if (!Number.isInteger(lines) || lines < 0)
      throw new UserError(`-n must be a whole number (got ${JSON.stringify(args.lines)})`);
    return { json: args.json, port: resolvePort(args.port, env.vars), lines, follow: args.follow };
  },
  run: async (o: LogsOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const path = state.agentLog;
    if (!existsSync(path)) throw new UserError(`the agent log is missing: ${path}`);
    const emit = logWriter(reporter);

    const tail = readTail(path, o.lines);
    emit(tail.lines.map((l) => `${l}\n`).join(""));
    if (!o.follow) return { fields: { path } };

    // Until the session ends; Ctrl-C ends the command (exit 130) through the runner.
    let offset = tail.size;
    while (isAlive(state.daemonPid)) {
      await Bun.sleep(FOLLOW_POLL_MS);
      if (!existsSync(path)) break;
      const size = statSync(path).size;
      if (size < offset) offset = 0; // rotated
      if (size > offset) {
        emit(readRange(path, offset, size));
        offset = size;
      }
    }
    return { fields: { path, followed: true } };
  },
});
