// A suite: scenarios, sharded (every Nth of a fixed order), repeated, run N at a time, and judged by
// pass rate. A CI matrix over shards is the distributed engine; this runs one machine's share.

import { EXIT } from "../protocol/exit-codes.ts";
import {
  type AttemptContext,
  type AttemptResult,
  type PreparedScenario,
  runAttempt,
} from "./scenario-run.ts";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Every `count`th item, starting with the `index`th (shard 2/3 of 7: the 2nd and the 5th). */
export function inShard<T>(items: T[], shard: Shard | undefined): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index - 1) : items;
}

export type ScenarioStatus = "passed" | "failed" | "error" | "interrupted";

export interface ScenarioSummary {
  name: string;
  file: string;
  attempts: AttemptResult[];
  passed: number;
  passRate: number;
  status: ScenarioStatus;
}

export interface SuiteOptions {
  jobs: number;
  repeat: number;
  /** A scenario passes when at least this share of its runs pass (1: all of them). */
  minPassRate: number;
}

/** Runs every scenario `repeat` times, `jobs` runs at a time, in order; `onAttempt` hears each as it ends. */
export async function runSuite(
  scenarios: PreparedScenario[],
  options: SuiteOptions,
  ctx: AttemptContext,
  onAttempt?: (result: AttemptResult) => void,
): Promise<ScenarioSummary[]> {
  const queue = scenarios.flatMap((s) =>
    Array.from({ length: options.repeat }, (_, a) => ({ s, attempt: a + 1 })),
  );
  const results = new Map<PreparedScenario, AttemptResult[]>(scenarios.map((s) => [s, []]));
  const worker = async () => {
    for (let task = queue.shift(); task && !ctx.signal.aborted; task = queue.shift()) {
      const result = await runAttempt(task.s, task.attempt, ctx);
      results.get(task.s)?.push(result);
      onAttempt?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, queue.length)) }, worker));
  return scenarios.map((s) => summarize(s, results.get(s) ?? [], options));
}

function summarize(s: PreparedScenario, attempts: AttemptResult[], options: SuiteOptions): ScenarioSummary {
  attempts.sort((a, b) => a.attempt - b.attempt);
  const passed = attempts.filter((a) => a.status === "passed").length;
  const passRate = passed / options.repeat;
  const status: ScenarioStatus =
    attempts.length < options.repeat || attempts.some((a) => a.status === "interrupted")
      ? "interrupted"
      : passRate >= options.minPassRate
        ? "passed"
        : attempts.some((a) => a.status === "error")
          ? "error"
          : "failed";
  return { name: s.scenario.name, file: s.scenario.file, attempts, passed, passRate, status };
}

/** 130 when interrupted, 1 when a scenario could not run, 2 when one failed, else 0. */
export function suiteExitCode(summaries: ScenarioSummary[]): number {
  const has = (status: ScenarioStatus) => summaries.some((s) => s.status === status);
  if (has("interrupted")) return EXIT.interrupted;
  return has("error") ? EXIT.failure : has("failed") ? EXIT.expectation : EXIT.ok;
}
