// `bun bench/profile-say.ts [RUNS]`: where the milliseconds of one `say` go, exec to exit, against
// the instant fake agent. Runs `say` with LK_PROFILE=1 (src/profile.ts: marks on lk's own clock,
// printed at exit) interleaved with the no-op floor binary, and prints the median of each step.
// LK_BIN=path profiles another binary. See bench/README.md.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchEnv, buildFloor, median, timeRun } from "./lib.ts";

const repo = resolve(import.meta.dir, "..");
const lk = process.env.LK_BIN ?? join(repo, "dist", "lk");
const fakeDir = join(repo, "test", "fixtures", "fake-agent");
const stateDir = mkdtempSync(join(tmpdir(), "lk-profile-"));
const floor = await buildFloor();
const port = String(18775 + Math.floor(Math.random() * 1000));
const env = benchEnv(stateDir);
const RUNS = Number(process.argv[2] ?? 40);

const lkSession = (args: string[], extra: Record<string, string> = {}) =>
  timeRun([lk, "agent", "session", ...args, "--port", port], { ...env, ...extra }, fakeDir);

/** What happens between two marks, in order (the first is the exec, the last the process gone). */
const STEPS: [string, string, string][] = [
  ["exec", "runtime", "runtime start: exec, the binary mapped, JSC and Bun up, the entry chunk loaded"],
  ["runtime", "main", "main.ts's static imports evaluated (runner, stdio, reporter, text renderer)"],
  ["main", "command", "the `say` command's chunk loaded, and what it imports"],
  ["command", "parsed", "its arguments parsed"],
  ["parsed", "io", "the session client's chunk loaded"],
  ["io", "state", "the state folder checked, the session file read"],
  ["state", "daemon checked", "the daemon's pid checked (/proc)"],
  ["daemon checked", "connected", "TCP connect to the daemon"],
  ["connected", "accepted", "auth + request sent, the daemon's acknowledgement back"],
  [
    "accepted",
    "done",
    "the daemon's turn: run_input to the agent, its events, the answer (rendered as they come)",
  ],
  ["done", "ran", "say's own ending: the result, the closing lines"],
  ["ran", "exit", "the result reported, stdout flushed"],
  ["exit", "gone", "process exit"],
];

try {
  const started = lkSession(["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check"]);
  if (started.code !== 0) throw new Error(`start failed: ${started.out}`);
  const steps = new Map<string, number[]>(STEPS.map(([from]) => [from, []]));
  const totals: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const f = timeRun([floor.path], env, fakeDir);
    const before = performance.timeOrigin + performance.now();
    const r = Bun.spawnSync([lk, "agent", "session", "say", `profile ${i}`, "--port", port], {
      cwd: fakeDir,
      env: { ...env, LK_PROFILE: "1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const after = performance.timeOrigin + performance.now();
    if (r.exitCode !== 0) throw new Error(`say failed: ${r.stderr}`);
    if (i < 3) continue; // warm-up
    const line = r.stderr.toString().trim().split("\n").at(-1) as string;
    const marks: Record<string, number> = { exec: before, ...JSON.parse(line).lkProfile, gone: after };
    for (const [from, to] of STEPS) steps.get(from)?.push((marks[to] as number) - (marks[from] as number));
    totals.push(after - before);
    floors.push(f.ms);
  }
  const floorMed = median(floors);
  console.log(
    `say, exec to exit: ${RUNS} runs, medians (the floor: a no-op binary, ${floorMed.toFixed(2)} ms)\n`,
  );
  for (const [from, to, what] of STEPS) {
    const label = `${from} → ${to}`;
    console.log(
      `${label.padEnd(28)} ${median(steps.get(from) ?? [])
        .toFixed(2)
        .padStart(6)} ms  ${what}`,
    );
  }
  const total = median(totals);
  console.log(
    `${"total".padEnd(28)} ${total.toFixed(2).padStart(6)} ms  ${(total / floorMed).toFixed(2)}× the floor`,
  );
} finally {
  // Ended whatever happened (a binary without LK_PROFILE marks fails above), before its folder goes.
  lkSession(["end"]);
  floor.remove();
  rmSync(stateDir, { recursive: true, force: true });
}
