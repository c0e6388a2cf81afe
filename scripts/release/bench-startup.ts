// Start-up of `lk --version` with and without embedded bytecode, for this machine's target.
//   bun run scripts/release/bench-startup.ts [--runs 100]
// Uses hyperfine when it is installed (Debian: hyperfine), else times a plain loop.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "./compile.ts";
import { hostTarget } from "./targets.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "100" } } });
const runs = Number(values.runs);
const target = hostTarget();
if (!target) throw new Error(`no release target for ${process.platform}-${process.arch}`);

const dir = mkdtempSync(join(tmpdir(), "lk-bench-"));
try {
  const builds: { label: string; path: string }[] = [];
  for (const bytecode of [false, true]) {
    const path = join(dir, `lk-${bytecode ? "bytecode" : "plain"}${target.os === "windows" ? ".exe" : ""}`);
    await compile({ target: target.bunTarget, outfile: path, version: "0.0.0-bench", bytecode });
    builds.push({ label: bytecode ? "bytecode" : "no bytecode", path });
  }
  for (const b of builds)
    console.log(`${b.label.padEnd(12)} ${(statSync(b.path).size / 1024 / 1024).toFixed(1)} MiB`);

  const hyperfine = Bun.which("hyperfine");
  if (hyperfine) {
    const args = [hyperfine, "-N", "--warmup", "5", "--runs", String(runs)];
    for (const b of builds) args.push("-n", b.label, `${b.path} --version`);
    Bun.spawnSync(args, { stdout: "inherit", stderr: "inherit" });
  } else {
    for (const b of builds) {
      for (let i = 0; i < 5; i++) Bun.spawnSync([b.path, "--version"]);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        Bun.spawnSync([b.path, "--version"], { stdout: "ignore" });
        times.push(performance.now() - started);
      }
      times.sort((x, y) => x - y);
      const mean = times.reduce((s, t) => s + t, 0) / times.length;
      const median = times[Math.floor(times.length / 2)] ?? 0;
      console.log(
        `${b.label.padEnd(12)} mean ${mean.toFixed(1)} ms, median ${median.toFixed(1)} ms (${runs} runs)`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
