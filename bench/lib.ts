// What both benches share: timing a process, medians, the port check, and the floor binary.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../scripts/release/compile.ts";

export const median = (xs: number[]) => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

export interface Timed {
  ms: number;
  code: number;
  out: string;
  stdout: string;
  /** Date.now() when the process had exited. */
  endedAt: number;
}

/** Runs a process to its end, output to pipes (as a script reads it), and times it. */
export function timeRun(argv: string[], env: Record<string, string>, cwd: string): Timed {
  const t = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - t;
  const stdout = r.stdout.toString();
  return { ms, code: r.exitCode, out: stdout + r.stderr.toString(), stdout, endedAt: Date.now() };
}

/** Nothing accepts a connection on the port. */
export async function portFree(port: number): Promise<boolean> {
  try {
    (await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })).end();
    return false;
  } catch {
    return true;
  }
}

/**
 * The floor: a compiled Bun binary that does nothing, built with exactly the options of `lk`'s own
 * build (scripts/release/compile.ts: --compile, bytecode, splitting, minify, no .env/bunfig).
 * Its exec time is what any command of a compiled Bun binary costs at least, on this machine, now.
 */
export async function buildFloor(): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "lk-bench-floor-"));
  const entry = join(dir, "noop.ts");
  writeFileSync(entry, "// The no-op: the runtime's own start and exit.\nexport {};\n");
  const path = join(dir, "noop");
  await compile({ entry, outfile: path, version: "0.0.0-floor", bytecode: true });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Row {
  label: string;
  value: string;
  /** The floor or goal beside it, from the same run. */
  beside?: string;
}

export function printRows(rows: Row[]): void {
  const l = Math.max(...rows.map((r) => r.label.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  for (const r of rows)
    console.log(`${r.label.padEnd(l)}  ${r.value.padStart(v)}${r.beside ? `   ${r.beside}` : ""}`);
}

export const ms = (x: number) => `${x.toFixed(1)} ms`;
export const times = (x: number) => `${x.toFixed(2)}×`;
export const mb = (x: number) => `${x.toFixed(1)} MB`;

/**
 * The environment the benched commands run in: as a user's, not NO_COLOR's (output goes to pipes,
 * so nothing is colored either way, but deciding it is part of what a command costs).
 */
export function benchEnv(stateDir: string): Record<string, string> {
  const env = { ...process.env, LK_SESSION_STATE_DIR: stateDir } as Record<string, string>;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return env;
}
