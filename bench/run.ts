// `bun run bench`: the costs a user feels, measured through dist/lk against the instant fake agent,
// each printed beside its floor measured in the same run (the machine may be loaded: compare the
// ratios, not the milliseconds of two runs). Writes the same figures to bench-results.json.
// Not a test: figures, no verdicts. `--quick` for fewer runs; LK_BIN=path benches another binary.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sendCommand } from "../src/control/client.ts";
import {
  benchEnv,
  buildFloor,
  mb,
  median,
  ms,
  percentile,
  portFree,
  printRows,
  type Row,
  timeRun,
  times,
} from "./lib.ts";

const repo = resolve(import.meta.dir, "..");
const lk = process.env.LK_BIN ?? join(repo, "dist", "lk");
const fakeDir = join(repo, "test", "fixtures", "fake-agent");
const work = mkdtempSync(join(tmpdir(), "lk-bench-"));
const stateDir = join(work, "state");
const env = benchEnv(stateDir);
const port = 18775 + Math.floor(Math.random() * 1000);
const floor = await buildFloor();
// The state folder, the scenarios and the floor binary go with the bench, however it ends.
process.on("exit", () => {
  // A run that failed half-way may have left its session running.
  Bun.spawnSync([lk, "agent", "session", "end", "--port", String(port)], {
    env,
    stdout: "ignore",
    stderr: "ignore",
  });
  rmSync(work, { recursive: true, force: true });
  floor.remove();
});
const quick = process.argv.includes("--quick");
const RUNS = quick ? 15 : 40;
const STARTS = quick ? 4 : 10;
const GREETING_HOLD_MS = 150;

const run = (argv: string[], extraEnv: Record<string, string> = {}, cwd = fakeDir) =>
  timeRun(argv, { ...env, ...extraEnv }, cwd);
const session = (args: string[], extraEnv: Record<string, string> = {}) =>
  run([lk, "agent", "session", ...args, "--port", String(port)], extraEnv);
const startFake = (extraEnv: Record<string, string> = {}, json = false) => {
  const r = session(
    ["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check", ...(json ? ["--json"] : [])],
    extraEnv,
  );
  if (r.code !== 0) throw new Error(`start failed: ${r.out}`);
  return r;
};
const say = (text: string) => {
  const r = session(["say", text]);
  if (r.code !== 0) throw new Error(`say failed: ${r.out}`);
  return r.ms;
};
const floorMs = () => run([floor.path]).ms;
const state = () => JSON.parse(readFileSync(join(stateDir, `session-${port}.json`), "utf8"));
/** VmRSS, or one of its parts: RssAnon (the heap: what grows with a leak) and RssFile (mapped binary pages). */
const rssMb = (pid: number, field = "VmRSS") =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
/**
 * Idle: what the daemon holds once it has had time to let go of a burst's garbage (the collector and
 * the allocator give memory back within about a second of quiet). Until its heap stops shrinking.
 */
async function settled(pid: number): Promise<void> {
  let last = rssMb(pid, "RssAnon");
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(250);
    const now = rssMb(pid, "RssAnon");
    if (i >= 3 && Math.abs(now - last) < 0.1) return;
    last = now;
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
  const took = performance.now() - t;
  child.kill("SIGKILL");
  await child.exited;
  listener.stop(true);
  return took;
}

/** Ends the session; the time until `end` returned, the port checked free. */
async function endMs(): Promise<number> {
  const r = session(["end"]);
  if (r.code !== 0 || !(await portFree(port))) throw new Error(`end failed: ${r.out}`);
  return r.ms;
}

async function soak(from: number, to: number, token: string): Promise<void> {
  for (let i = from; i < to; i++) {
    const done = await sendCommand({
      port,
      token,
      command: { cmd: "say", text: `soak ${i}`, timeoutMs: 10_000 },
    });
    if (!done.ok) throw new Error(`soak turn ${i} failed: ${done.error}`);
  }
}

const results: Record<string, number | string | boolean> = {};
const rows: Row[] = [];
const round = (x: number) => Math.round(x * 100) / 100;
const put = (key: string, value: number) => {
  results[key] = round(value);
  return value;
};
/** "goal ≤ 25 ms ✓" (or "✗ missed"): each goal says whether this run met it. */
const goal = (value: number, max: number, shown: string) =>
  `goal ≤ ${shown} ${value <= max ? "✓" : "✗ missed"}`;
const section = (title: string) => rows.push({ label: `— ${title}`, value: "" });

const benchStarted = performance.now();
console.log(`lk benchmark: ${lk} (port ${port})`);

// 1. start → ready with no greeting, against the agent's own spawn→connect; end → port free.
const connect: number[] = [];
const starts: number[] = [];
const ends: number[] = [];
startFake(); // warm the page cache
await endMs();
for (let i = 0; i < STARTS; i++) {
  connect.push(await fakeConnectMs());
  starts.push(startFake().ms);
  ends.push(await endMs());
}
section("start and end (instant agent)");
const connectMed = put("fake_agent_connect_ms", median(connect));
const startMed = put("start_ready_ms", median(starts));
put("start_over_connect_ms", startMed - connectMed);
rows.push({ label: "agent spawn→connect, alone", value: ms(connectMed), beside: "(its own floor)" });
rows.push({ label: "`start` → ready, no greeting", value: ms(startMed) });
rows.push({
  label: "  beyond the agent's connect",
  value: ms(startMed - connectMed),
  beside: goal(startMed - connectMed, 25, "25 ms"),
});
const endMed = put("end_port_free_ms", median(ends));
rows.push({ label: "`end` → port free", value: ms(endMed), beside: goal(endMed, 60, "60 ms") });

// 2. With a greeting the agent speaks for GREETING_HOLD_MS: start must return at its end, not later.
const afterGreeting: number[] = [];
const greetingStarts: number[] = [];
for (let i = 0; i < (quick ? 3 : 6); i++) {
  const r = startFake(
    { FAKE_GREETING: "Hello there.", FAKE_GREETING_HOLD_MS: String(GREETING_HOLD_MS) },
    true,
  );
  const result = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
  const greeting = (result.greeting as { type: string; text?: string; at: number }[]).filter(
    (e) => e.type === "message",
  );
  if (greeting.at(-1)?.text !== "Hello there.") throw new Error(`the greeting is missing: ${r.stdout}`);
  afterGreeting.push(r.endedAt - (greeting.at(-1)?.at ?? 0));
  greetingStarts.push(r.ms);
  await endMs();
}
const afterGreetingMed = put("start_after_greeting_end_ms", median(afterGreeting));
put("start_with_greeting_ms", median(greetingStarts));
rows.push({
  label: `\`start\` → ready, ${GREETING_HOLD_MS} ms greeting`,
  value: ms(median(greetingStarts)),
});
rows.push({
  label: "  start's exit after the greeting's end",
  value: ms(afterGreetingMed),
  beside: "goal: at its end",
});

const stubborn: number[] = [];
for (let i = 0; i < (quick ? 1 : 2); i++) {
  startFake({ FAKE_IGNORE_SIGINT: "1" });
  stubborn.push(await endMs());
}
rows.push({
  label: "`end`, an agent that ignores SIGINT",
  value: ms(put("end_ignores_sigint_ms", median(stubborn))),
  beside: "(its grace, then a kill)",
});

// 3. The exec floor, --version and say, interleaved round by round so that load hits all alike.
startFake();
const { daemonPid, token } = state();
for (let i = 0; i < 3; i++) {
  floorMs();
  session(["say", "warm up"]);
}
const floors: number[] = [];
const versions: number[] = [];
const says: number[] = [];
const agentTurns: number[] = [];
for (let i = 0; i < RUNS; i++) {
  floors.push(floorMs());
  versions.push(run([lk, "--version"]).ms);
  says.push(say(`hello ${i}`));
}
// The agent's own part of a turn, by the daemon's clock (the events' times).
for (let i = 0; i < 10; i++) {
  const r = session(["say", `timed ${i}`, "--json"]);
  const events = (JSON.parse(r.stdout.trim().split("\n").at(-1) as string).events as { at: number }[]) ?? [];
  agentTurns.push((events.at(-1)?.at ?? 0) - (events[0]?.at ?? 0));
}
const floorMed = put("floor_exec_ms", median(floors));
const versionMed = put("version_exec_ms", median(versions));
const sayMed = put("say_ms", median(says));
put("say_p95_ms", percentile(says, 95));
put("say_agent_turn_ms", median(agentTurns));
put("version_floor_ratio", versionMed / floorMed);
put("say_floor_ratio", sayMed / floorMed);
section("one command (instant agent)");
rows.push({ label: "no-op compiled Bun binary, exec", value: ms(floorMed), beside: "(the floor)" });
rows.push({
  label: "`lk --version`",
  value: ms(versionMed),
  beside: `${times(versionMed / floorMed)} the floor`,
});
rows.push({
  label: `\`say\` (turns 4–${3 + RUNS})`,
  value: ms(sayMed),
  beside: `${times(sayMed / floorMed)} the floor (${goal(sayMed / floorMed, 2, "2.00×")}); p95 ${ms(percentile(says, 95))}`,
});
rows.push({ label: "  the agent's own turn", value: ms(median(agentTurns)) });

// 4. Concurrent says: every one served, and how long all took.
{
  const t = performance.now();
  const procs = Array.from({ length: 50 }, (_, i) =>
    Bun.spawn([lk, "agent", "session", "say", `concurrent ${i}`, "--port", String(port)], {
      env,
      stdout: "ignore",
      stderr: "ignore",
    }),
  );
  const codes = await Promise.all(procs.map((p) => p.exited));
  const served = codes.filter((c) => c === 0).length;
  const total = put("concurrent_50_say_total_ms", performance.now() - t);
  results.concurrent_50_say_served = served;
  section("as the work grows");
  rows.push({
    label: "50 concurrent `say`, total",
    value: ms(total),
    beside: `${served} of 50 served; ${times(total / sayMed / 50)} 50 says one after another`,
  });
}

// 5. Memory: idle, then the heap between turn 100 and turn 1,000 (the first hundred warm it up).
await settled(daemonPid);
const rssIdle = put("daemon_rss_idle_mb", rssMb(daemonPid));
const anonIdle = put("daemon_anon_idle_mb", rssMb(daemonPid, "RssAnon"));
const fdIdle = fdCount(daemonPid);
const turnsSoFar = 3 + RUNS + 10 + 50;
await soak(turnsSoFar, 100, token);
await settled(daemonPid);
const anonAt100 = put("daemon_anon_turn_100_mb", rssMb(daemonPid, "RssAnon"));
await soak(100, 1000, token);
await settled(daemonPid);
const anonAt1000 = put("daemon_anon_turn_1000_mb", rssMb(daemonPid, "RssAnon"));
put("daemon_rss_turn_1000_mb", rssMb(daemonPid));
put("daemon_heap_growth_100_to_1000_mb", anonAt1000 - anonAt100);
results.daemon_fds_idle = fdIdle;
results.daemon_fds_turn_1000 = fdCount(daemonPid);

// 6. say at turn ~1,000 against the floor, as at the start.
const lateSays: number[] = [];
const lateFloors: number[] = [];
for (let i = 0; i < 20; i++) {
  lateFloors.push(floorMs());
  lateSays.push(say(`late ${i}`));
}
const lateSayMed = put("say_turn_1000_ms", median(lateSays));
const EARLY = Math.min(20, says.length);
const earlySayMed = put("say_turn_10_ms", median(says.slice(0, EARLY)));
const earlyFloorMed = median(floors.slice(0, EARLY));
const lateRatio = lateSayMed / median(lateFloors) / (earlySayMed / earlyFloorMed);
put("say_1000_vs_10_ratio", lateRatio);
rows.push({
  label: "`say` at turns 1,000–1,020",
  value: ms(lateSayMed),
  beside: `turns 4–${3 + EARLY}: ${ms(earlySayMed)}; late ÷ early, each over its floor, ${times(lateRatio)} (${goal(lateRatio, 1.1, "1.10×")})`,
});

// 7. history of the 1,000-turn conversation, and a 1 MB reply, each to a pipe.
const histories: number[] = [];
for (let i = 0; i < 5; i++) {
  const r = session(["history"]);
  if (r.code !== 0 || !r.stdout.includes("soak 999"))
    throw new Error(`history failed: ${r.out.slice(0, 500)}`);
  histories.push(r.ms);
}
rows.push({
  label: "`history`, 1,000+ turns, to a pipe",
  value: ms(put("history_1000_turns_ms", median(histories))),
  beside: `${times(median(histories) / sayMed)} a say (${goal(median(histories), 150, "150 ms")})`,
});
const bigs: number[] = [];
const plain: number[] = [];
for (let i = 0; i < 5; i++) {
  plain.push(say(`plain ${i}`));
  const r = session(["say", "!big"]);
  if (r.code !== 0 || r.stdout.length < 1_000_000) throw new Error(`big say failed: ${r.out.slice(0, 500)}`);
  bigs.push(r.ms);
}
rows.push({
  label: "`say` with a 1 MB reply, to a pipe",
  value: ms(put("say_1mb_reply_ms", median(bigs))),
  beside: `a plain say ${ms(median(plain))} (${goal(median(bigs), 60, "60 ms")})`,
});

section("the daemon");
rows.push({ label: "daemon RSS, idle", value: mb(rssIdle), beside: goal(rssIdle, 40, "40 MB") });
rows.push({ label: "  of which anonymous (heap)", value: mb(anonIdle) });
rows.push({
  label: "heap (RssAnon) growth, turn 100 → 1,000",
  value: mb(anonAt1000 - anonAt100),
  beside: `${mb(anonAt100)} → ${mb(anonAt1000)} (${goal(anonAt1000 - anonAt100, 2, "2 MB")})`,
});
rows.push({
  label: "daemon open fds, idle → turn 1,000",
  value: `${fdIdle} → ${results.daemon_fds_turn_1000}`,
});
await endMs();

// 8. The test runner: 8 scenarios, 4 at once, each its own session.
const scenarios = join(work, "scenarios");
mkdirSync(scenarios);
for (let i = 1; i <= 8; i++) {
  writeFileSync(
    join(scenarios, `s${i}.lktest.yaml`),
    `name: scenario ${i}\nagent: ${join(fakeDir, "agent.ts")}\nturns:\n` +
      "  - user: what's the weather in Paris?\n    expect:\n      - tool: lookup_weather\n        args: { location: Paris }\n" +
      `  - user: hello ${i}\n    expect:\n      - reply: hello ${i}\n`,
  );
}
const tests: number[] = [];
for (let i = 0; i < (quick ? 1 : 3); i++) {
  const r = run([
    lk,
    "agent",
    "session",
    "test",
    scenarios,
    "--jobs",
    "4",
    "--runtime",
    "bun",
    "--skip-sdk-check",
  ]);
  if (r.code !== 0) throw new Error(`test failed: ${r.out}`);
  tests.push(r.ms);
}
section("the test runner");
rows.push({
  label: "`test --jobs 4`, 8 scenarios of 2 turns",
  value: ms(put("test_jobs4_8_scenarios_ms", median(tests))),
  beside: `8 × (start + 2 says + end) / 4 = ${ms((8 * (startMed + 2 * sayMed + endMed)) / 4)}`,
});

put("binary_size_mb", statSync(lk).size / 1024 / 1024);
put("bench_seconds", (performance.now() - benchStarted) / 1000);

console.log("");
printRows(rows);
const out = join(repo, "bench-results.json");
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), binary: lk, ...results }, null, 2)}\n`,
);
console.log(`\nwrote ${out}`);
