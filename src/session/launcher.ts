// `start`'s engine: spawn the daemon detached and wait for its readiness report.

import { closeSync, existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { isAlive } from "../agent/pids.ts";
import { onInterrupt } from "../interrupt.ts";
import {
  DAEMON_SPEC_ENV,
  type DaemonSpec,
  type LaunchRequest,
  type ReadyReport,
} from "../protocol/daemon-spec.ts";
import { openNoFollow, readNoFollow, refuseLink } from "../safe-files.ts";
import { selfCommand } from "../self.ts";
import { logPaths } from "../state/session-file.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import { tailLines } from "./log-tail.ts";

/** Extra time past the agent's connect timeout: text mode (10 s), the greeting (8 s), framework info (3 s). */
const READY_MARGIN_MS = 30_000;
/** A daemon told to stop takes its agent's grace (1.5 s, an audio session's 3.5 s) and a kill (1 s); past this it is killed. */
const DAEMON_STOP_MS = 8000;

export async function launchDaemon(req: LaunchRequest): Promise<ReadyReport> {
  const dir = ensureStateDir();
  const readyFile = join(dir, `ready-${req.port}-${process.pid}.json`);
  rmSync(readyFile, { force: true });
  const spec: DaemonSpec = { ...req, readyFile, launcherPid: process.pid };
  const { daemonLog, agentLog } = logPaths(req.port, dir);
  // The daemon would refuse it too, but only after it had started writing its own log.
  refuseLink(agentLog);
  // Appended, not truncated: a start that loses a race for the port must not wipe the winner's log.
  const logFd = openNoFollow(daemonLog, "append");
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

  // Ctrl-C cancels the start: the daemon and its agent stop, the port is freed, nothing is left.
  let cancelled = false;
  const forget = onInterrupt(async () => {
    cancelled = true;
    await stopDaemon(daemon);
    rmSync(readyFile, { force: true });
    // Stopped before it ran a line of ours: it wrote nothing, and its log is still the empty one made here.
    if (daemon.signalCode === "SIGTERM" && statSync(daemonLog, { throwIfNoEntry: false })?.size === 0)
      rmSync(daemonLog, { force: true });
  });
  const deadline = Date.now() + req.connectTimeoutMs + READY_MARGIN_MS;
  try {
    for (;;) {
      // Cancelled: what the daemon reports now is not this command's outcome; the interrupt exits.
      if (cancelled) await new Promise<never>(() => {});
      if (existsSync(readyFile)) return JSON.parse(readNoFollow(readyFile)) as ReadyReport;
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
        await stopDaemon(daemon);
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
    forget();
    rmSync(readyFile, { force: true });
  }
}

/** SIGTERM lets the daemon take its agent down with it; SIGKILL only if it does not go (its watchdog then does). */
async function stopDaemon(daemon: Subprocess): Promise<void> {
  daemon.kill("SIGTERM");
  const gone = await Promise.race([
    daemon.exited.then(() => true),
    Bun.sleep(DAEMON_STOP_MS).then(() => false),
  ]);
  if (gone) return;
  daemon.kill("SIGKILL");
  await daemon.exited;
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
