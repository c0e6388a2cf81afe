// How `test` reports: a line per run (with the failed turn's details under it), a summary, the
// NDJSON records of --json, and the JUnit model of --junit.

import type { JUnitCase, JUnitSuite } from "../render/junit.ts";
import type { Colors } from "../render/text.ts";
import { formatMs } from "../render/time.ts";
import { visible } from "../render/visible.ts";
import { outputDetail } from "./output-detail.ts";
import type { AttemptResult, Failure, TurnRecord } from "./scenario-run.ts";
import type { ScenarioSummary } from "./suite.ts";

/** The last lines of the agent's log shown under a failure. */
export const FAILURE_LOG_LINES = 15;

/** One run: ✓/✗, name, file, how far it got; under a failure what was expected and what happened. */
export function attemptLines(r: AttemptResult, repeat: number, c: Colors): string[] {
  const run = repeat > 1 ? ` (run ${r.attempt}/${repeat})` : "";
  const mark = r.status === "passed" ? c.green("✓") : c.red("✗");
  const total = r.turns.length;
  const how =
    r.status === "passed"
      ? `${total} turn${total === 1 ? "" : "s"}`
      : r.status === "failed"
        ? r.failures[0]?.greeting
          ? "failed at the greeting"
          : `failed at turn ${r.failures[0]?.turn ?? "?"}`
        : r.status === "error"
          ? c.red("could not run")
          : "interrupted";
  const lines = [`${mark} ${r.name}${run}  ${c.dim(r.file)}  ${how}  ${c.dim(formatMs(r.durationMs))}`];
  if (r.status === "passed" || r.status === "interrupted") return lines;
  // The agent's words (its reply, tool arguments, errors, log) shown, never obeyed by the terminal.
  for (const f of r.failures) lines.push(...failureLines(f).map((l) => `    ${visible(l)}`));
  const log = outputDetail("agent log (last lines):", r.agentLog.slice(-FAILURE_LOG_LINES));
  lines.push(...log.map((l) => `    ${l}`));
  lines.push("");
  return lines;
}

/** A failure as text: where (turn, line, what the user said), the message, its detail. */
export function failureLines(f: Failure): string[] {
  const where = f.greeting
    ? [`greeting (line ${f.line})`]
    : f.turn !== undefined
      ? [`turn ${f.turn} (line ${f.line}): ${f.text}`]
      : [];
  return [...where, f.message, ...f.detail.map((d) => `  ${d}`)];
}

export function summaryLines(
  summaries: ScenarioSummary[],
  repeat: number,
  minPassRate: number,
  ms: number,
  c: Colors,
): string[] {
  const n = (status: ScenarioSummary["status"]) => summaries.filter((s) => s.status === status).length;
  const lines: string[] = [];
  if (repeat > 1) {
    const criterion = minPassRate >= 1 ? "when every run passes" : `at ${percent(minPassRate)} or more`;
    lines.push(`pass rates (${repeat} runs each; a scenario passes ${criterion}):`);
    for (const s of summaries) {
      const mark = s.status === "passed" ? c.green("✓") : c.red("✗");
      lines.push(`  ${mark} ${s.passed}/${s.attempts.length} ${percent(s.passRate).padStart(4)}  ${s.name}`);
    }
  }
  const parts = [`${n("passed")} passed`];
  if (n("failed")) parts.push(c.red(`${n("failed")} failed`));
  if (n("error")) parts.push(c.red(`${n("error")} could not run`));
  if (n("interrupted")) parts.push(`${n("interrupted")} interrupted`);
  const all = summaries.length;
  lines.push(`${all} scenario${all === 1 ? "" : "s"}: ${parts.join(", ")} (${formatMs(ms)})`);
  return lines;
}

export function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** The --json record of a turn as it ends. */
export function turnRecordJson(r: AttemptResult, turn: TurnRecord): Record<string, unknown> {
  return { kind: "turn", scenario: r.name, file: r.file, attempt: r.attempt, ...turn };
}

/** The --json record of a run as it ends (its turns were their own records). */
export function attemptJson(r: AttemptResult): Record<string, unknown> {
  return {
    kind: "scenario",
    name: r.name,
    file: r.file,
    attempt: r.attempt,
    status: r.status,
    port: r.port,
    turns: r.turns.length,
    ...(r.greeting ? { greeting: r.greeting } : {}),
    durationMs: r.durationMs,
    failures: r.failures,
    ...(r.status === "passed" ? {} : { agentLog: r.agentLog.slice(-FAILURE_LOG_LINES) }),
  };
}

/** The result line's summary of each scenario. */
export function summaryJson(s: ScenarioSummary): Record<string, unknown> {
  return {
    name: s.name,
    file: s.file,
    status: s.status,
    runs: s.attempts.length,
    passed: s.passed,
    passRate: s.passRate,
  };
}

/** One testsuite per file, one testcase per scenario; every run's agent log in system-out. */
export function junitSuites(summaries: ScenarioSummary[], repeat: number, minPassRate: number): JUnitSuite[] {
  const byFile = new Map<string, JUnitCase[]>();
  for (const s of summaries) {
    const cases = byFile.get(s.file) ?? [];
    byFile.set(s.file, cases);
    cases.push(junitCase(s, repeat, minPassRate));
  }
  return [...byFile].map(([name, cases]) => ({ name, cases }));
}

function junitCase(s: ScenarioSummary, repeat: number, minPassRate: number): JUnitCase {
  const runLabel = (r: AttemptResult) => (repeat > 1 ? `run ${r.attempt}/${repeat}: ` : "");
  const unpassed = s.attempts.filter((r) => r.status !== "passed");
  const text = [
    ...(repeat > 1
      ? [`passed ${s.passed} of ${repeat} runs (${percent(s.passRate)}; needed ${percent(minPassRate)})`]
      : []),
    ...unpassed.flatMap((r) =>
      r.failures.flatMap((f) => failureLines(f).map((l, i) => (i === 0 ? runLabel(r) + l : l))),
    ),
  ].join("\n");
  const first = unpassed[0]?.failures[0];
  const message = repeat > 1 ? `passed ${s.passed} of ${repeat} runs` : (first?.message ?? s.status);
  const systemOut = s.attempts
    .map((r) =>
      [...(repeat > 1 ? [`--- run ${r.attempt}/${repeat}: ${r.status}`] : []), ...r.agentLog].join("\n"),
    )
    .join("\n");
  const tc: JUnitCase = {
    name: s.name,
    classname: s.file,
    seconds: s.attempts.reduce((sum, r) => sum + r.durationMs, 0) / 1000,
    ...(systemOut.trim() ? { systemOut } : {}),
  };
  if (s.status === "failed") tc.failure = { message, text };
  else if (s.status === "error") tc.error = { message, text };
  else if (s.status === "interrupted") tc.skipped = "interrupted";
  return tc;
}
