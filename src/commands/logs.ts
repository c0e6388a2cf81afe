import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { stripAnsi } from "../agent/output.ts";
import { isAlive } from "../agent/pids.ts";
import { runReported } from "../cli/run-reported.ts";
import { stdout } from "../cli/stdio.ts";
import { UserError } from "../errors.ts";
import { findSession, jsonArg, portArg, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: { name: "logs", description: "The agent's own output (stdout and stderr), as the daemon keeps it" },
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
  run: ({ args }) =>
    runReported("logs", args.json === true, async (reporter) => {
      const state = await findSession(resolvePort(args.port));
      const count = args.lines === undefined ? 50 : Number(args.lines);
      if (!Number.isInteger(count) || count < 0)
        throw new UserError(`-n must be a whole number (got ${JSON.stringify(args.lines)})`);
      if (!existsSync(state.agentLog)) throw new UserError(`the agent log is missing: ${state.agentLog}`);
      const clean = (text: string) =>
        stdout.isTTY && !reporter.json ? text : stripAnsi(text).replace(/\r/g, "");
      const emit = (text: string) => {
        if (!text) return;
        if (reporter.json) {
          for (const line of text.split("\n").filter((l) => l !== ""))
            stdout.write(`${JSON.stringify({ v: 1, kind: "log", line: clean(line) })}\n`);
        } else stdout.write(clean(text));
      };

      let offset = statSync(state.agentLog).size;
      const tail = readRange(state.agentLog, Math.max(0, offset - 512 * 1024), offset).split("\n");
      if (tail.at(-1) === "") tail.pop();
      emit(
        tail
          .slice(Math.max(0, tail.length - count))
          .map((l) => `${l}\n`)
          .join(""),
      );
      if (!args.follow) return { fields: { path: state.agentLog } };

      let stop = false;
      process.once("SIGINT", () => {
        stop = true;
      });
      while (!stop && isAlive(state.daemonPid)) {
        await Bun.sleep(200);
        if (!existsSync(state.agentLog)) break;
        const size = statSync(state.agentLog).size;
        if (size < offset) offset = 0; // rotated
        if (size > offset) {
          emit(readRange(state.agentLog, offset, size));
          offset = size;
        }
      }
      return { fields: { path: state.agentLog, followed: true } };
    }),
});

function readRange(path: string, from: number, to: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(to - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
