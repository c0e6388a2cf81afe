// `bun run bench:real`: start → "Session started." and `say` times with the bundled REAL echo agents
// (install them first: bash scripts/setup-fixtures.sh). Medians of several runs; figures, no verdicts.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "..");
const lk = process.env.LK_BIN ?? join(repo, "dist", "lk");
const env = {
  ...process.env,
  LK_SESSION_STATE_DIR: mkdtempSync(join(tmpdir(), "lk-bench-real-")),
  NO_COLOR: "1",
} as Record<string, string>;
const port = String(19775 + Math.floor(Math.random() * 1000));
const RUNS = Number(process.env.RUNS ?? 5);
const SAYS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function run(args: string[], cwd: string): number {
  const t = performance.now();
  const r = Bun.spawnSync([lk, "agent", "session", ...args, "--port", port], {
    cwd,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")} failed: ${r.stdout}${r.stderr}`);
  return performance.now() - t;
}

for (const [name, dir, entry] of [
  ["node", "echo-agent-node", "agent.mjs"],
  ["python", "echo-agent-py", "agent.py"],
] as const) {
  const cwd = join(repo, "test", "fixtures", dir);
  const starts: number[] = [];
  const says: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    starts.push(run(["start", entry], cwd));
    for (let j = 0; j < SAYS; j++)
      says.push(run(["say", j % 2 ? "what's the weather in Oslo?" : `echo ${j}`], cwd));
    ends.push(run(["end"], cwd));
  }
  console.log(
    `${name.padEnd(7)} start→ready median ${median(starts).toFixed(0)} ms (min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)}); ` +
      `say median ${median(says).toFixed(1)} ms; end median ${median(ends).toFixed(0)} ms  [${RUNS} starts, ${says.length} says]`,
  );
}
