// `bun run bench`: the costs a user feels, measured through dist/lk against the instant fake agent.
// Prints a table and writes the same figures to bench-results.json. Not a test: figures, no verdicts.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sendCommand } from "../src/control/client.ts";

const repo = resolve(import.meta.dir, "..");
const lk = process.env.LK_BIN ?? join(repo, "dist", "lk");
const fakeDir = join(repo, "test", "fixtures", "fake-agent");
const stateDir = mkdtempSync(join(tmpdir(), "lk-bench-"));
// The state folder (and the agent log the last session kept) goes with the bench, however it ends.
process.on("exit", () => rmSync(stateDir, { recursive: true, force: true }));
const env = { ...process.env, LK_SESSION_STATE_DIR: stateDir, NO_COLOR: "1" } as Record<string, string>;
const port = 18775 + Math.floor(Math.random() * 1000);
const quick = process.argv.includes("--quick");
const SAY_RUNS = quick ? 20 : 60;
const SOAK_TURNS = 1000;

const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

function timeRun(
  argv: string[],
  extraEnv: Record<string, string> = {},
  cwd = repo,
): { ms: number; code: number; out: string } {
  const t = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env: { ...env, ...extraEnv }, stdout: "pipe", stderr: "pipe" });
  return { ms: performance.now() - t, code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}
const session = (args: string[], extraEnv: Record<string, string> = {}) =>
  timeRun([lk, "agent", "session", ...args, "--port", String(port)], extraEnv, fakeDir);
const startFake = (extraEnv: Record<string, string> = {}) => {
  const r = session(["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check"], extraEnv);
  if (r.code !== 0) throw new Error(`start failed: ${r.out}`);
  return r;
};
const state = () => JSON.parse(readFileSync(join(stateDir, `session-${port}.json`), "utf8"));
/** VmRSS, or one of its parts: RssAnon (the heap: what grows with a leak) and RssFile (mapped binary pages). */
const rssMb = (pid: number, field = "VmRSS") =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

async function portFree(): Promise<boolean> {
  try {
    (await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })).end();
    return false;
  } catch {
    return true;
  }
}

/** The fake agent's own spawn-to-connect time, with no daemon: a bare listener. */
async function fakeConnectMs(): Promise<number> {
  let connected: () => void = () => {};
  const got = new Promise<void>((r) => {
    connected = r;
  });
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { open: () => connected(), data() {} },
  });
  const t = performance.now();
  const child = Bun.spawn([lk, "agent.ts", "console", "--connect-addr", `127.0.0.1:${listener.port}`], {
    cwd: fakeDir,
    env: { ...env, BUN_BE_BUN: "1" },
    stdout: "ignore",
    stderr: "ignore",
  });
  await got;
  const ms = performance.now() - t;
  child.kill("SIGKILL");
  await child.exited;
  listener.stop(true);
  return ms;
}

const results: Record<string, number> = {};
const rows: [string, string][] = [];
const record = (key: string, label: string, value: number, unit: string) => {
  results[key] = Math.round(value * 100) / 100;
  rows.push([label, `${value.toFixed(unit === "MB" || unit === "×" ? 1 : unit === "ms" ? 1 : 0)} ${unit}`]);
};

const benchStarted = performance.now();
console.log(`lk benchmark: ${lk} (port ${port})`);

// 1. The fixed cost of any command: exec of `lk --version`.
for (let i = 0; i < 5; i++) timeRun([lk, "--version"]);
const versionMs = Array.from({ length: SAY_RUNS }, () => timeRun([lk, "--version"]).ms);
record("version_exec_median_ms", "`lk --version` exec, median", median(versionMs), "ms");

// 2. start → ready, minus the fake agent's own spawn-to-connect.
const connect: number[] = [];
const startMs: number[] = [];
const endCoop: number[] = [];
for (let i = 0; i < (quick ? 3 : 8); i++) {
  connect.push(await fakeConnectMs());
  startMs.push(startFake().ms);
  const t = performance.now();
  const end = session(["end"]);
  if (end.code !== 0 || !(await portFree())) throw new Error(`end failed: ${end.out}`);
  endCoop.push(performance.now() - t);
}
record("fake_agent_connect_median_ms", "fake agent spawn→connect (alone), median", median(connect), "ms");
record("start_ready_median_ms", "`start` → ready, median", median(startMs), "ms");
record(
  "start_overhead_median_ms",
  "`start` overhead (start − agent connect)",
  median(startMs) - median(connect),
  "ms",
);
record("end_cooperative_median_ms", "`end` → port free, agent exits on SIGINT", median(endCoop), "ms");

const endStubborn: number[] = [];
for (let i = 0; i < (quick ? 2 : 4); i++) {
  startFake({ FAKE_IGNORE_SIGINT: "1" });
  const t = performance.now();
  session(["end"]);
  endStubborn.push(performance.now() - t);
}
record("end_ignores_sigint_median_ms", "`end` → port free, agent ignores SIGINT", median(endStubborn), "ms");

// 3. say round trip against the instant agent.
startFake();
const { daemonPid, token } = state();
for (let i = 0; i < 5; i++) session(["say", "warm up"]);
const sayMs: number[] = [];
const agentTurnMs: number[] = [];
for (let i = 0; i < SAY_RUNS; i++) {
  const r = session(["say", `hello ${i}`, "--json"]);
  sayMs.push(r.ms);
  const events = (JSON.parse(r.out.trim().split("\n").at(-1) as string).events as { at: number }[]) ?? [];
  agentTurnMs.push((events.at(-1)?.at ?? 0) - (events[0]?.at ?? 0));
}
record("say_median_ms", "`say` round trip, median", median(sayMs), "ms");
record("say_p95_ms", "`say` round trip, p95", percentile(sayMs, 95), "ms");
record("say_agent_turn_median_ms", "the agent's own turn time, median", median(agentTurnMs), "ms");
record(
  "say_overhead_median_ms",
  "`say` overhead (say − agent turn)",
  median(sayMs) - median(agentTurnMs),
  "ms",
);
record("say_to_version_ratio", "`say` / `--version`", median(sayMs) / median(versionMs), "×");

// 4. 20 concurrent says.
{
  const t = performance.now();
  const procs = Array.from({ length: 20 }, (_, i) =>
    Bun.spawn([lk, "agent", "session", "say", `concurrent ${i}`, "--port", String(port)], {
      env,
      stdout: "ignore",
      stderr: "ignore",
    }),
  );
  const codes = await Promise.all(procs.map((p) => p.exited));
  if (codes.some((c) => c !== 0)) throw new Error("a concurrent say failed");
  record("concurrent_20_say_total_ms", "20 concurrent `say`, total", performance.now() - t, "ms");
}

// 5. Daemon memory and descriptors: idle, then after 1,000 turns.
Bun.sleepSync(300);
const rssIdle = rssMb(daemonPid);
const anonIdle = rssMb(daemonPid, "RssAnon");
const fdIdle = fdCount(daemonPid);
for (let i = 0; i < SOAK_TURNS; i++) {
  const done = await sendCommand({
    port,
    token,
    command: { cmd: "say", text: `soak ${i}`, timeoutMs: 10_000 },
  });
  if (!done.ok) throw new Error(`soak turn ${i} failed: ${done.error}`);
}
Bun.sleepSync(300);
record("daemon_rss_idle_mb", "daemon RSS, idle", rssIdle, "MB");
record("daemon_rss_after_1000_turns_mb", "daemon RSS after 1,000 turns", rssMb(daemonPid), "MB");
record("daemon_rss_growth_mb", "daemon RSS growth over 1,000 turns", rssMb(daemonPid) - rssIdle, "MB");
record("daemon_anon_idle_mb", "  of which heap (RssAnon), idle", anonIdle, "MB");
record(
  "daemon_anon_growth_mb",
  "  heap (RssAnon) growth over 1,000 turns",
  rssMb(daemonPid, "RssAnon") - anonIdle,
  "MB",
);
record("daemon_fds_idle", "daemon open fds, idle", fdIdle, "");
record("daemon_fds_after_1000_turns", "daemon open fds after 1,000 turns", fdCount(daemonPid), "");
session(["end"]);

record("binary_size_mb", "binary size", statSync(lk).size / 1024 / 1024, "MB");
record("bench_seconds", "benchmark duration", (performance.now() - benchStarted) / 1000, "s");

const width = Math.max(...rows.map(([l]) => l.length));
console.log("");
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
const out = join(repo, "bench-results.json");
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), binary: lk, ...results }, null, 2)}\n`,
);
console.log(`\nwrote ${out}`);
