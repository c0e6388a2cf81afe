// Reading the agent logs a port keeps (state/run-logs.ts) as `logs` and `end` show them: which run,
// its last lines or one turn's, each line with its time, stream and turn (protocol/agent-log.ts).

import { existsSync } from "node:fs";
import { UserError } from "../errors.ts";
import { isMarker, markedTurn, parseLogLine, turnLines, turnsIn, withTurns } from "../protocol/agent-log.ts";
import type { PrintedLogLine } from "../render/log-lines.ts";
import { KEPT_RUNS, keptRuns, runLogParts } from "../state/run-logs.ts";
import { readTail, tailLines, visitBackwards, wholeLog } from "./log-tail.ts";

/** A line of the file as read back: as written (`raw`, what text output prints), and its parts. */
export type ReadLine = PrintedLogLine;

/** Which kept run: `0` the last, `1` the one before, …; or all of them. */
export type RunChoice = number | "all";

export const RUN_NAMES: Record<string, number> = { last: 0, current: 0, previous: 1 };

/** `--run` as given: last (current), previous, a count back (0: the last), or all. */
export function parseRunChoice(raw: string): RunChoice | undefined {
  if (raw === "all") return "all";
  if (raw in RUN_NAMES) return RUN_NAMES[raw];
  return /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
}

/** The chosen runs' logs, oldest first; a run the port does not keep is a UserError. */
export function chosenRuns(port: number, choice: RunChoice, dir?: string): string[] {
  const kept = keptRuns(port, dir);
  if (choice === "all") return kept.map((run) => run.path).reverse();
  const run = kept[choice];
  if (run) return [run.path];
  const have = kept.length === 0 ? "none" : kept.map((_, i) => runName(i)).join(", ");
  throw new UserError(`no log is kept for ${theRun(choice)} on 127.0.0.1:${port} (kept: ${have})`, 1, [
    `the port keeps the last ${KEPT_RUNS} runs' logs (each start and restart begins one)`,
  ]);
}

/** "the last run", "the previous run", "the run 5 runs back". */
function theRun(back: number): string {
  return back > 1 ? `the run ${runName(back)}` : `the ${runName(back)} run`;
}

export function runName(back: number): string {
  return back === 0 ? "last" : back === 1 ? "previous" : `${back} runs back`;
}

/** Every line of a run's log, its older part first, each with its turn. */
export function runLines(path: string): ReadLine[] {
  const lines = splitLog(wholeLog(path));
  return annotate(lines, undefined);
}

/** The last `count` lines of a run's log, each with its turn (found further back when it began earlier). */
export function lastRunLines(path: string, count: number): ReadLine[] {
  const raw = readTail(path, count).lines;
  return annotate(raw, turnBefore(path, raw.filter((line) => isMarker(parseLogLine(line))).length));
}

/**
 * The agent's last output lines as failures show them: its text alone (no stamps, nor lk's
 * markers); none when the log is missing.
 */
export function agentTail(path: string, count = 15): string[] {
  const lines = tailLines(path, count).map(parseLogLine);
  return lines.filter((line) => line.stream !== "lk").map((line) => line.text);
}

/** The lines of one turn (its marker first), or the last turn's; an unknown one is a UserError. */
export function oneTurn(path: string, turn: number | "last", what: string): ReadLine[] {
  const lines = runLines(path);
  const turns = turnsIn(lines);
  const wanted = turn === "last" ? turns.at(-1) : turn;
  const found = wanted === undefined ? undefined : turnLines(lines, wanted);
  if (found) return found as ReadLine[];
  const have = turns.length === 0 ? "none yet" : describeTurns(turns);
  throw new UserError(
    turn === "last"
      ? `no turn is in the log of the ${what} run`
      : `turn ${turn} is not in the log of the ${what} run`,
    1,
    [`its turns: ${have}`, "turns are numbered from 1 in each run (each start and restart begins one)"],
  );
}

/** The text a followed log gained, as lines (what is left of a line not yet ended comes back as `rest`). */
export function splitGained(text: string): { lines: string[]; rest: string } {
  const parts = text.split("\n");
  return { lines: parts.slice(0, -1), rest: parts.at(-1) ?? "" };
}

/** Each line read back with its turn: `turn`, the turn the first line is in (or none). */
export function annotate(raw: string[], turn: number | undefined): ReadLine[] {
  const parsed = raw.map(parseLogLine);
  return withTurns(parsed, turn).map((line, i) => ({ ...line, raw: raw[i] as string }));
}

function splitLog(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** The turn in progress before the last lines, `skip` of whose markers come after it: read back to its marker. */
function turnBefore(path: string, skip: number): number | undefined {
  let seen = 0;
  let turn: number | undefined;
  for (const part of runLogParts(path).reverse()) {
    if (!existsSync(part)) continue;
    const found = visitBackwards(part, (raw) => {
      const line = parseLogLine(raw);
      if (!isMarker(line) || seen++ < skip) return false;
      turn = markedTurn(line);
      return true;
    });
    if (found) return turn;
  }
  return undefined;
}

/** `1–3`, or `1, 3, 4` when some are missing (a log cut at its size limit). */
function describeTurns(turns: number[]): string {
  const first = turns[0] as number;
  const last = turns.at(-1) as number;
  return turns.length === last - first + 1 && turns.length > 2 ? `${first}–${last}` : turns.join(", ");
}
