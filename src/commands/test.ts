import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type PreparedLaunch, prepareLaunch } from "../agent/prepare.ts";
import { defineCommand, type Outcome } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { junitXml } from "../render/junit.ts";
import { JSON_SCHEMA_VERSION, type Reporter } from "../render/reporter.ts";
import { safeJson } from "../render/visible.ts";
import { PortPicker } from "../session/free-port.ts";
import type { Scenario } from "../session/scenario.ts";
import { displayPath, findScenarioFiles, loadScenario } from "../session/scenario-files.ts";
import type { PreparedScenario } from "../session/scenario-run.ts";
import type { SessionClient } from "../session/session-client.ts";
import { inShard, runSuite, type ScenarioSummary, type Shard, suiteExitCode } from "../session/suite.ts";
import {
  attemptJson,
  attemptLines,
  FAILURE_LOG_LINES,
  junitSuites,
  percent,
  summaryJson,
  summaryLines,
  turnRecordJson,
} from "../session/test-report.ts";
import {
  agentArgs,
  type CommandIO,
  jsonArg,
  parseAgentArgs,
  parseWholeNumber,
  resolvePort,
} from "./_shared.ts";

export interface TestOptions {
  json: boolean;
  /** Files and folders as given; none: the project's tests/ folder, else its root. */
  paths: string[];
  cwd: string;
  jobs: number;
  shard: Shard | undefined;
  repeat: number;
  minPassRate: number;
  keepGoing: boolean;
  /** Absolute. */
  junit: string | undefined;
  runtime: "node" | "bun" | undefined;
  skipSdkCheck: boolean;
  /** The user's own session port (LK_SESSION_PORT or 8775): test sessions never take it. */
  userPort: number;
}

const CONNECT_TIMEOUT_MS = 60_000;
/**
 * Each test session's idle timeout. The runner ends every session it starts, and its commands
 * follow one another with no pause (a turn in progress holds the session open however long it
 * takes); this only ends the sessions of a run that was killed (SIGKILL, a cancelled CI job) or
 * left with a second Ctrl-C, so that none is left running for start's 30 minutes.
 */
const IDLE_TIMEOUT_MS = 2 * 60_000;
/** Agent log lines kept per run for JUnit's system-out. */
const JUNIT_LOG_LINES = 500;

export default defineCommand({
  path: "lk agent session test",
  description:
    "Run conversation scenarios (*.lktest.yaml), each in a fresh agent session of its own; exit 2 when one fails",
  args: {
    paths: {
      type: "positional",
      required: false,
      rest: true,
      description:
        "Scenario files (or replay .txt files) and folders to search (default: the project's tests/)",
    },
    jobs: { type: "string", description: "Scenarios run at once (default 1)", valueHint: "N" },
    shard: {
      type: "string",
      description: "Run only every Nth scenario, starting with the Ith (for a CI matrix)",
      valueHint: "I/N",
    },
    repeat: {
      type: "string",
      description: "Run each scenario N times and report its pass rate",
      valueHint: "N",
    },
    "min-pass-rate": {
      type: "string",
      description: "With --repeat: the share of runs that must pass, 0 to 1 or a percentage (default 1)",
      valueHint: "R",
    },
    "keep-going": {
      type: "boolean",
      description: "Play a scenario's remaining turns after a failed expectation",
    },
    junit: { type: "string", description: "Also write a JUnit XML report to FILE", valueHint: "FILE" },
    ...agentArgs,
    ...jsonArg,
  },
  examples: [
    "lk agent session test",
    "lk agent session test tests/ --jobs 3 --junit results.xml",
    "lk agent session test --shard 2/3 --repeat 5 --min-pass-rate 0.8",
    "lk agent session test tests/spoken.lktest.yaml   # `audio: true` at its top: each turn spoken, `- heard: …` checked",
  ],
  options: (args, env): TestOptions => {
    return {
      json: args.json,
      paths: args.paths,
      cwd: env.cwd,
      jobs: count(args.jobs, "--jobs", 1),
      shard: parseShard(args.shard),
      repeat: count(args.repeat, "--repeat", 1),
      minPassRate: parseRate(args["min-pass-rate"]),
      keepGoing: args["keep-going"],
      junit: args.junit ? resolve(env.cwd, args.junit) : undefined,
      ...parseAgentArgs(args, env.vars),
      userPort: resolvePort(undefined, env.vars),
    };
  },
  ownsSignals: true,
  run: async (o: TestOptions, { reporter, session }: CommandIO) => {
    // Ctrl-C (or a CI's SIGTERM) ends every session started, then reports; a second one leaves at once.
    const interrupt = new AbortController();
    const stopOnSignal = () => {
      if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
      reporter.note("\ninterrupted: ending the running sessions… (Ctrl-C again to leave them)");
      interrupt.abort();
    };
    process.on("SIGINT", stopOnSignal);
    process.on("SIGTERM", stopOnSignal);
    try {
      return await runTests(o, reporter, session, interrupt.signal);
    } finally {
      process.off("SIGINT", stopOnSignal);
      process.off("SIGTERM", stopOnSignal);
    }
  },
});

async function runTests(
  o: TestOptions,
  reporter: Reporter,
  session: SessionClient,
  signal: AbortSignal,
): Promise<Outcome> {
  const all = loadAll(o);
  const prepared = prepareAll(inShard(all, o.shard), o);
  const shardNote = o.shard ? ` (shard ${o.shard.index}/${o.shard.count} of ${all.length})` : "";
  if (prepared.length === 0) {
    reporter.info(`No scenarios to run${shardNote}.`);
    if (o.junit) writeJunit(o, []);
    return { fields: { scenarios: 0, passed: 0, failed: 0, errors: 0, results: [] } };
  }
  const runs = o.repeat > 1 ? `, ${o.repeat} runs each` : "";
  const atOnce = o.jobs > 1 ? `, ${o.jobs} at a time` : "";
  reporter.info(
    `Running ${prepared.length} scenario${prepared.length === 1 ? "" : "s"}${shardNote}${runs}${atOnce}\n`,
  );
  const c = reporter.colors;
  let blank = true;
  const summaries = await runSuite(
    prepared,
    o,
    {
      session,
      ports: new PortPicker([o.userPort], (port) => session.find(port)),
      keepGoing: o.keepGoing,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      choices: { runtime: o.runtime, skipSdkCheck: o.skipSdkCheck },
      logLines: o.junit ? JUNIT_LOG_LINES : FAILURE_LOG_LINES,
      signal,
      onTurn: (result, turn) => record(reporter, turnRecordJson(result, turn)),
    },
    (result) => {
      record(reporter, attemptJson(result));
      for (const line of attemptLines(result, o.repeat, c)) {
        reporter.info(line);
        blank = line === "";
      }
    },
  );
  const ms = performance.now() - reporter.startedAt;
  if (!blank) reporter.info("");
  for (const line of summaryLines(summaries, o.repeat, o.minPassRate, ms, c)) reporter.info(line);
  if (o.junit) {
    writeJunit(o, summaries);
    reporter.info(c.dim(`JUnit report: ${displayPath(o.junit, o.cwd)}`));
  }

  return outcome(summaries, o);
}

/** The result line: counts, pass rate, each scenario's summary; an error naming those that did not pass. */
function outcome(summaries: ScenarioSummary[], o: TestOptions): Outcome {
  const exitCode = suiteExitCode(summaries);
  const n = (status: string) => summaries.filter((s) => s.status === status).length;
  const runsAll = summaries.flatMap((s) => s.attempts);
  const fields = {
    scenarios: summaries.length,
    passed: n("passed"),
    failed: n("failed"),
    errors: n("error"),
    interrupted: n("interrupted"),
    runs: runsAll.length,
    passRate: runsAll.length ? runsAll.filter((r) => r.status === "passed").length / runsAll.length : 0,
    results: summaries.map(summaryJson),
    ...(o.junit ? { junit: o.junit } : {}),
  };
  if (exitCode === EXIT.ok) return { fields };
  const not = summaries.filter((s) => s.status !== "passed");
  const message =
    exitCode === EXIT.interrupted
      ? "interrupted: every session it started has ended"
      : `${not.length} of ${summaries.length} scenario${summaries.length === 1 ? "" : "s"} did not pass`;
  const detail = not.map(
    (s) => `${s.status}: ${s.name} (${s.file})${o.repeat > 1 ? ` ${percent(s.passRate)} passed` : ""}`,
  );
  return { fields, error: new UserError(message, exitCode, detail) };
}

interface Found {
  scenario: Scenario;
  path: string;
  /** Its place in the whole suite, before sharding. */
  index: number;
}

/** Every file found, read and checked: all their problems at once, before any agent starts. */
function loadAll(o: TestOptions): Found[] {
  const problems: string[] = [];
  const loaded: Found[] = [];
  for (const [index, path] of findScenarioFiles(o.paths, o.cwd).entries()) {
    try {
      loaded.push({ scenario: loadScenario(path, displayPath(path, o.cwd)), path, index });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message, ...error.detail.map((d) => (/^\S+:\d+: /.test(d) ? d : `  ${d}`)));
    }
  }
  if (problems.length) throw new UserError(problems[0] as string, 1, problems.slice(1));
  return loaded;
}

/** Each selected scenario's agent found and checked (each project once). */
function prepareAll(selected: Found[], o: TestOptions): PreparedScenario[] {
  const agents = new Map<string, PreparedLaunch>();
  const problems: string[] = [];
  const prepared: PreparedScenario[] = [];
  for (const { scenario, path, index } of selected) {
    const dir = dirname(path);
    const key = JSON.stringify([scenario.agent ? resolve(dir, scenario.agent) : dir, scenario.args]);
    try {
      // Found, planned and checked as `start` does; each run plans for its own port (planFor).
      const agent =
        agents.get(key) ??
        prepareLaunch({
          entrypoint: scenario.agent,
          cwd: dir,
          port: 0,
          runtimeArgs: scenario.args,
          runtime: o.runtime,
          skipSdkCheck: o.skipSdkCheck,
        });
      agents.set(key, agent);
      prepared.push({ scenario, agent, index });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const where = scenario.agent ? `${scenario.file}:${scenario.agentLine}: agent: ` : `${scenario.file}: `;
      problems.push(`${where}${error.message}`, ...error.detail.map((d) => `  ${d}`));
    }
  }
  if (problems.length) throw new UserError(problems[0] as string, 1, problems.slice(1));
  return prepared;
}

function writeJunit(o: TestOptions, summaries: ScenarioSummary[]): void {
  const file = o.junit as string;
  try {
    // A report folder (reports/junit.xml) is made; the report is for CI to read, not private.
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, junitXml("lk agent session test", junitSuites(summaries, o.repeat, o.minPassRate)));
  } catch (error) {
    throw new UserError(`could not write the JUnit report to ${file}: ${(error as Error).message}`);
  }
}

/** One NDJSON record (--json only). */
function record(reporter: Reporter, value: Record<string, unknown>): void {
  if (reporter.json) reporter.io.out.write(`${safeJson({ v: JSON_SCHEMA_VERSION, ...value })}\n`);
}

/** Plain decimal digits, as every count and port is read (no sign, hex, exponent or spaces). */
function count(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = parseWholeNumber(raw);
  if (n === undefined || n < 1 || n > 1000)
    throw new UserError(`${name} must be a whole number from 1 to 1000 (got ${JSON.stringify(raw)})`);
  return n;
}

export function parseShard(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  const match = /^([0-9]+)\/([0-9]+)$/.exec(raw);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total)
    throw new UserError(`--shard must be I/N with 1 ≤ I ≤ N, e.g. 2/3 (got ${JSON.stringify(raw)})`);
  return { index, count: total };
}

export function parseRate(raw: string | undefined): number {
  if (raw === undefined) return 1;
  // Plain decimals only, as for durations: `0.8`, `.8`, `1`, or `80%`.
  const match = /^([0-9]*\.?[0-9]+)(%?)$/.exec(raw);
  const rate = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(rate >= 0 && rate <= 1))
    throw new UserError(`--min-pass-rate must be from 0 to 1, or a percentage (got ${JSON.stringify(raw)})`);
  return rate;
}
