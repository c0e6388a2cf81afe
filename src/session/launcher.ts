// `start`'s engine: spawn the daemon detached and wait for its readiness report.

import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../agent/pids.ts";
import { DAEMON_SPEC_ENV, type DaemonSpec, type ReadyReport } from "../protocol/daemon-spec.ts";
import type { LaunchPlan } from "../protocol/launch-plan.ts";
import { selfCommand } from "../self.ts";
import { logPaths } from "../state/session-file.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import { tailLines } from "./log-tail.ts";

export interface LaunchRequest {
  port: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  plan: LaunchPlan;
  entry: string;
  root: string;
  runtimeArgs: string[];
}

/** Extra time past the agent's connect timeout: text mode (10 s), the greeting (8 s), framework info (3 s). */
const READY_MARGIN_MS = 30_000;

export async function launchDaemon(req: LaunchRequest): Promise<ReadyReport> {
  const dir = ensureStateDir();
  const readyFile = join(dir, `ready-${req.port}-${process.pid}.json`);
  rmSync(readyFile, { force: true });
  const spec: DaemonSpec = { ...req, readyFile };
  const { daemonLog } = logPaths(req.port, dir);
  // Appended, not truncated: a start that loses a race for the port must not wipe the winner's log.
  const logFd = openSync(daemonLog, "a", 0o600);
  const daemon = Bun.spawn([...selfCommand(), "agent", "session", "daemon"], {
    cwd: req.root,
    env: { ...process.env, [DAEMON_SPEC_ENV]: JSON.stringify(spec) },
    stdin: "ignore",
    stdout: logFd,
    stderr: logFd,
    detached: true,
    windowsHide: true,
  });
  closeSync(logFd);
  daemon.unref();

  const deadline = Date.now() + req.connectTimeoutMs + READY_MARGIN_MS;
  try {
    for (;;) {
      if (existsSync(readyFile)) return JSON.parse(readFileSync(readyFile, "utf8")) as ReadyReport;
      if (daemon.exitCode !== null || daemon.signalCode !== null) {
        // It may have reported just before exiting.
        if (existsSync(readyFile)) continue;
        return {
          ok: false,
          code: "daemon_failed",
          error: `the session daemon exited unexpectedly (${daemon.exitCode ?? daemon.signalCode})`,
          detail: tailLines(daemonLog),
        };
      }
      if (Date.now() > deadline) {
        // SIGTERM lets the daemon take its agent down with it; SIGKILL only if it does not go.
        daemon.kill("SIGTERM");
        if (!(await waitForExit(daemon.pid, 3000))) daemon.kill("SIGKILL");
        return {
          ok: false,
          code: "daemon_failed",
          error: "the session daemon never reported ready",
          detail: tailLines(daemonLog),
        };
      }
      await Bun.sleep(5);
    }
  } finally {
    rmSync(readyFile, { force: true });
  }
}

/** Waits for a pid to be gone (the daemon exits right after it reports a failure). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}
