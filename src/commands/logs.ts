import { statSync } from "node:fs";
import { dirname } from "node:path";
import { isAlive } from "../agent/pids.ts";
import { defineCommand } from "../cli/command.ts";
import { helpNotes } from "../cli/help.ts";
import { UserError } from "../errors.ts";
import { logWriter } from "../render/log-lines.ts";
import {
  annotate,
  chosenRuns,
  lastRunLines,
  oneTurn,
  parseRunChoice,
  type ReadLine,
  type RunChoice,
  runLines,
  runName,
  splitGained,
} from "../session/agent-logs.ts";
import { endedSentence, notRunning, type SessionLookup } from "../session/find-session.ts";
import { readRange } from "../session/log-tail.ts";
import type { EndedRecord } from "../state/ended-record.ts";
import { KEPT_RUNS, keptRuns } from "../state/run-logs.ts";
import { stateDir } from "../state/state-dir.ts";
import { type CommandIO, jsonArg, parseWholeNumber, portArg, portHint, resolvePort } from "./_shared.ts";

export interface LogsOptions {
  json: boolean;
  port: number;
  /** How many of the last lines; undefined: 50, or all of them with --run all. */
  lines: number | undefined;
  follow: boolean;
  /** Which kept run: 0 the last (the running one), 1 the previous, …, or all. */
  run: RunChoice;
  /** Only this turn's lines (its marker to the next), or the last turn's. */
  turn: number | "last" | undefined;
}

const DEFAULT_LINES = 50;
const FOLLOW_POLL_MS = 200;

export default defineCommand({
  path: "lk agent session logs",
  description: "The agent's own output (stdout and stderr), as the daemon keeps it",
  helpSections: [
    helpNotes(
      "Each line is stamped to the millisecond (shown in local time; the file has UTC) and tagged `out`, `err`, or `lk` for lk's own markers: `── run 2 (restart): agent.py ──` begins each run, `── turn 3: \"what time is it?\" ──` is written as a turn is sent to the agent (what follows is that turn's; turns count from 1 in each run, the numbers of `say --json` events' `turn`), `── run 2 ended: … ──` ends a run, saying why (restarted, end requested, start failed: … for a start and failed to start: … for a restart).",
      "When a tool of a turn fails, `say` ends with `see: lk agent session logs --last-turn`: its traceback.",
      `A run is one agent process: each start and each restart begins one, one that fails too (while a failed restart leaves the agent down, \`logs\` shows its traceback). The last ${KEPT_RUNS} runs' logs of a port are kept, in files only you can read (session-PORT.agent.log, then .agent.prev-1.log, .agent.prev-2.log, in the state folder), after \`end\` and across \`start\` (each new run pushes the oldest out), until \`end --clean\` removes them (and the record of how the session ended). Without a session running, \`logs\` reads the kept ones. A turn or run that is not there is an error (exit 1) saying which there are.`,
    ),
    {
      title: "JSON",
      lines: [
        "With --json, one line each: {kind: log, at (ms since the epoch), stream (stdout, stderr,",
        "lk), line, turn (when the line belongs to one)}.",
      ],
    },
  ],
  args: {
    ...portArg,
    // `--lines` is the name it had before the official CLI's `--last`.
    last: {
      type: "string",
      alias: ["n", "lines"],
      description: `How many of the last lines to show (default ${DEFAULT_LINES}; with --run all, of each run, and all of them if not given)`,
      valueHint: "N",
    },
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing new output until interrupted or the session ends (the last run only)",
    },
    run: {
      type: "string",
      description:
        "Which run: last (default; the running one), previous, N runs back (0 is the last), or all (oldest first)",
      valueHint: "last|previous|N|all",
    },
    turn: {
      type: "string",
      description:
        "Only turn N of the run: its marker and every line up to the next marker (turns count from 1 in each run)",
      valueHint: "N",
    },
    "last-turn": {
      type: "boolean",
      description: "Only the run's last turn (where a failing tool's traceback is, after `say`)",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session logs --last 40",
    "lk agent session logs -f",
    "lk agent session logs --last-turn",
    "lk agent session logs --turn 2 --json",
    "lk agent session logs --run previous",
    "lk agent session logs --run all",
  ],
  options: (args, env): LogsOptions => {
    const lines = args.last === undefined ? undefined : parseWholeNumber(args.last);
    if (args.last !== undefined && lines === undefined)
      throw new UserError(`--last must be a whole number (got ${JSON.stringify(args.last)})`);
    const run = args.run === undefined ? 0 : parseRunChoice(args.run);
    if (run === undefined)
      throw new UserError(
        `--run must be last, previous, a number of runs back (0 is the last) or all (got ${JSON.stringify(args.run)})`,
      );
    const turn = args.turn === undefined ? undefined : parseWholeNumber(args.turn);
    if (args.turn !== undefined && !turn)
      throw new UserError(`--turn must be a turn number, from 1 (got ${JSON.stringify(args.turn)})`);
    const one = args["last-turn"] ? "--last-turn" : args.turn !== undefined ? "--turn" : undefined;
    const clash =
      (args["last-turn"] && args.turn !== undefined && "--turn and --last-turn") ||
      (one && args.follow && `${one} and --follow`) ||
      (one && lines !== undefined && `${one} and --last (a turn is shown whole)`) ||
      (one && run === "all" && `${one} and --run all (name one run)`) ||
      (args.follow && run !== 0 && "--follow and an earlier --run (only the last run grows)");
    if (clash) throw new UserError(`${clash} do not go together`);
    return {
      json: args.json,
      port: resolvePort(args.port, env.vars),
      lines,
      follow: args.follow,
      run,
      turn: args["last-turn"] ? "last" : turn,
    };
  },
  run: async (o: LogsOptions, { reporter, session }: CommandIO) => {
    const source = logSource(await session.find(o.port), o.port);
    const paths = chosenRuns(o.port, o.run, source.dir);
    const emit = logWriter(reporter);
    const path = paths.at(-1) as string;
    const fields: Record<string, unknown> = { path, run: o.run === "all" ? "all" : o.run };
    if (o.run === "all") fields.paths = paths;

    let shown: ReadLine[] = [];
    if (o.turn !== undefined) {
      shown = oneTurn(path, o.turn, runName(o.run as number));
      emit(shown);
      fields.turn = shown.find((l) => l.turn !== undefined)?.turn;
    } else {
      for (const run of paths) {
        shown =
          o.lines === undefined && o.run === "all"
            ? runLines(run)
            : lastRunLines(run, o.lines ?? DEFAULT_LINES);
        emit(shown);
      }
    }
    if (source.note) reporter.note(source.note);
    if (source.ended) return { fields: { ...fields, ended: source.ended } };
    if (!o.follow || source.daemonPid === undefined) return { fields };

    // Until the session ends; Ctrl-C ends the command (exit 130) through the runner.
    let offset = statSync(path).size;
    let rest = "";
    let turn = shown.at(-1)?.turn;
    while (isAlive(source.daemonPid)) {
      await Bun.sleep(FOLLOW_POLL_MS);
      const size = statSync(path, { throwIfNoEntry: false })?.size;
      if (size === undefined) break;
      if (size < offset) offset = 0; // cut at its size limit: the new part starts over
      if (size === offset) continue;
      const gained = splitGained(rest + readRange(path, offset, size));
      offset = size;
      rest = gained.rest;
      const lines = annotate(gained.lines, turn);
      turn = lines.at(-1)?.turn;
      emit(lines);
    }
    return { fields: { ...fields, followed: true } };
  },
});

/**
 * Whose logs: the running session's (followed while its daemon lives); or, until the next start,
 * those of a session that ended on its own; or, with no session, the runs the port kept.
 */
function logSource(
  found: SessionLookup,
  port: number,
): { dir: string; daemonPid?: number; ended?: EndedRecord; note?: string } {
  // The folder the record names: the one its daemon wrote to.
  if (found.kind === "running")
    return { dir: dirname(found.state.agentLog), daemonPid: found.state.daemonPid };
  if (found.kind === "ended") {
    const note = `note: the session on 127.0.0.1:${port} ${endedSentence(found.ended)}`;
    return { dir: dirname(found.ended.agentLog), ended: found.ended, note };
  }
  if (keptRuns(port).length === 0) throw notRunning(found);
  const notes = found.kind === "none" ? [] : found.notes.map((n) => `note: ${n}\n`);
  return {
    dir: stateDir(),
    note: `${notes.join("")}note: no session is running on 127.0.0.1:${port}; these are the logs its runs kept (\`lk agent session end${portHint(port)} --clean\` removes them)`,
  };
}
