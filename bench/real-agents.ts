// `bun run bench:real`: start, say and end with the bundled REAL echo agents (install them first:
// bash scripts/setup-fixtures.sh), each beside the agent's own spawn→connect measured in the same
// run. `end` is checked to have let the agent close its session cleanly: its log ends with the
// framework's own closing lines. Medians; figures, no verdicts. RUNS=n (default 5); LK_BIN=path.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchEnv, median, ms, portFree, printRows, type Row, timeRun } from "./lib.ts";

const repo = resolve(import.meta.dir, "..");
const lk = process.env.LK_BIN ?? join(repo, "dist", "lk");
const stateDir = mkdtempSync(join(tmpdir(), "lk-bench-real-"));
const env = benchEnv(stateDir);
const port = 19775 + Math.floor(Math.random() * 1000);
process.on("exit", () => {
  // A run that failed half-way may have left its session running.
  Bun.spawnSync([lk, "agent", "session", "end", "--port", String(port)], {
    env,
    stdout: "ignore",
    stderr: "ignore",
  });
  rmSync(stateDir, { recursive: true, force: true });
});
const RUNS = Number(process.env.RUNS ?? 5);
const SAYS = 5;

interface Agent {
  name: string;
  dir: string;
  entry: string;
  /** What the framework logs last when its session closed cleanly, in order. */
  closing: string[];
}

const AGENTS: Agent[] = [
  {
    name: "node",
    dir: "echo-agent-node",
    entry: "agent.mjs",
    closing: ["AgentSession closed", "Session ended, report generated"],
  },
  {
    name: "python",
    dir: "echo-agent-py",
    entry: "agent.py",
    closing: ["session closed", "job exiting", "http_session(): closing the httpclient ctx"],
  },
];

function lkRun(args: string[], cwd: string) {
  const r = timeRun([lk, "agent", "session", ...args, "--port", String(port)], env, cwd);
  if (r.code !== 0) throw new Error(`${args.join(" ")} failed: ${r.out}`);
  return r;
}

/** The agent's own spawn→connect: the command line lk ran, against a bare listener. */
async function connectAloneMs(argv: string[], cwd: string): Promise<number> {
  let connected: () => void = () => {};
  const got = new Promise<void>((r) => {
    connected = r;
  });
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { open: () => connected(), data() {} },
  });
  const at = argv.indexOf("--connect-addr");
  const own = argv.map((a, i) => (i === at + 1 ? `127.0.0.1:${listener.port}` : a));
  const t = performance.now();
  const child = Bun.spawn(own, { cwd, env, stdout: "ignore", stderr: "ignore", detached: true });
  await got;
  const took = performance.now() - t;
  // Its whole group (a Python worker has a job process).
  process.kill(-child.pid, "SIGKILL");
  await child.exited;
  listener.stop(true);
  return took;
}

const rows: Row[] = [];
const results: Record<string, number> = {};
results.runs = RUNS;
for (const agent of AGENTS) {
  const cwd = join(repo, "test", "fixtures", agent.dir);
  const connects: number[] = [];
  const starts: number[] = [];
  const says: number[] = [];
  const ends: number[] = [];
  let clean = 0;
  for (let i = 0; i < RUNS; i++) {
    starts.push(lkRun(["start", agent.entry], cwd).ms);
    const state = JSON.parse(readFileSync(join(stateDir, `session-${port}.json`), "utf8"));
    for (let j = 0; j < SAYS; j++)
      says.push(lkRun(["say", j % 2 ? "what's the weather in Oslo?" : `echo ${j}`], cwd).ms);
    ends.push(lkRun(["end"], cwd).ms);
    if (!(await portFree(port))) throw new Error("end returned with the port still taken");
    const log = readFileSync(state.agentLog, "utf8");
    const last = agent.closing.map((line) => log.lastIndexOf(line));
    if (last.every((at, k) => at !== -1 && (k === 0 || at > (last[k - 1] as number)))) clean++;
    // Measured between sessions, so that the agent's connect and lk's start see the same machine.
    connects.push(await connectAloneMs(state.agent.argv, state.agent.root));
  }
  const c = median(connects);
  const s = median(starts);
  results[`${agent.name}_connect_ms`] = Math.round(c);
  results[`${agent.name}_start_ms`] = Math.round(s);
  results[`${agent.name}_say_ms`] = Math.round(median(says) * 10) / 10;
  results[`${agent.name}_end_ms`] = Math.round(median(ends));
  results[`${agent.name}_end_clean`] = clean / RUNS;
  rows.push({ label: `— ${agent.name} echo agent`, value: "" });
  rows.push({ label: "agent spawn→connect, alone", value: ms(c), beside: "(its own floor)" });
  rows.push({ label: "`start` → ready", value: ms(s), beside: `${ms(s - c)} beyond its connect` });
  rows.push({ label: "`say`", value: ms(median(says)) });
  rows.push({
    label: "`end` → port free",
    value: ms(median(ends)),
    beside: `closed its session cleanly in ${clean} of ${RUNS} (${agent.closing.at(-1)})`,
  });
}
console.log("");
printRows(rows);
// Beside the instant agent's figures (`bun run bench`), under "real".
const out = join(repo, "bench-results.json");
const before = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
writeFileSync(
  out,
  `${JSON.stringify({ ...before, real: { date: new Date().toISOString(), ...results } }, null, 2)}\n`,
);
console.log(`\nwrote ${out} (real)`);
