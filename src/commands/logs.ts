import { existsSync, statSync } from "node:fs";
import { isAlive } from "../agent/pids.ts";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { logWriter } from "../render/log-lines.ts";
import { endedSentence, runningSession, type SessionLookup } from "../session/find-session.ts";
import { readRange, readTail } from "../session/log-tail.ts";
import type { EndedRecord } from "../state/ended-record.ts";
import { type CommandIO, jsonArg, parseWholeNumber, portArg, resolvePort } from "./_shared.ts";

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
    const lines = args.lines === undefined ? 50 : parseWholeNumber(args.lines);
    if (lines === undefined)
      throw new UserError(`-n must be a whole number (got ${JSON.stringify(args.lines)})`);
    return { json: args.json, port: resolvePort(args.port, env.vars), lines, follow: args.follow };
  },
  run: async (o: LogsOptions, { reporter, session }: CommandIO) => {
    const { path, daemonPid, ended } = logSource(await session.find(o.port));
    if (!existsSync(path)) throw new UserError(`the agent log is missing: ${path}`);
    const emit = logWriter(reporter);

    const tail = readTail(path, o.lines);
    emit(tail.lines.map((l) => `${l}\n`).join(""));
    if (ended) {
      reporter.note(`note: the session on 127.0.0.1:${o.port} ${endedSentence(ended)}`);
      return { fields: { path, ended } };
    }
    if (!o.follow) return { fields: { path } };

    // Until the session ends; Ctrl-C ends the command (exit 130) through the runner.
    let offset = tail.size;
    while (isAlive(daemonPid)) {
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

/** The running session's agent log; or, until the next start, that of a session that ended on its own. */
function logSource(found: SessionLookup): { path: string; daemonPid?: number; ended?: EndedRecord } {
  if (found.kind === "ended") return { path: found.ended.agentLog, ended: found.ended };
  const state = runningSession(found);
  return { path: state.agentLog, daemonPid: state.daemonPid };
}
