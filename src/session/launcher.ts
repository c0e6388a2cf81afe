// `start`'s engine: spawn the daemon detached and wait for its readiness report, which the daemon
// sends over a channel of start's own (ready-channel.ts) the moment it is ready; the ready file is
// the fallback.

import { closeSync, existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { isAlive } from "../agent/pids.ts";
import { onInterrupt } from "../interrupt.ts";
import { mark } from "../profile.ts";
import {
  DAEMON_ONLY_ENV,
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
import { openReadyChannel } from "./ready-channel.ts";

/** Extra time past the agent's connect timeout: text mode (10 s), the greeting (8 s), framework info (3 s). */
const READY_MARGIN_MS = 30_000;
/** A daemon told to stop takes its agent's grace (1.5 s, an audio session's 3.5 s) and a kill (1 s); past this it is killed. */
const DAEMON_STOP_MS = 8000;
/** How often the ready file is looked for: only a daemon that could not signal writes it. */
const FALLBACK_POLL_MS = 100;
/** A daemon that exited may have signalled just before: its report is still on its way. */
const LAST_REPORT_MS = 500;

export async function launchDaemon(req: LaunchRequest): Promise<ReadyReport> {
  const dir = ensureStateDir();
  const readyFile = join(dir, `ready-${req.port}-${process.pid}.json`);
  rmSync(readyFile, { force: true });
  const channel = openReadyChannel();
  const daemonOnly = Object.entries(DAEMON_ONLY_ENV).filter(([name]) => process.env[name] === undefined);
  const spec: DaemonSpec = {
    ...req,
    ...(channel ? { readySignal: channel.signal } : {}),
    readyFile,
    launcherPid: process.pid,
    daemonOnlyEnv: daemonOnly.map(([name]) => name),
  };
  const { daemonLog, agentLog } = logPaths(req.port, dir);
  // The daemon would refuse it too, but only after it had started writing its own log.
  refuseLink(agentLog);
  // Appended, not truncated: a start that loses a race for the port must not wipe the winner's log.
  const logFd = openNoFollow(daemonLog, "append");
  const daemon = Bun.spawn([...selfCommand(), "agent", "session", "daemon"], {
    cwd: req.root,
    env: { ...process.env, ...Object.fromEntries(daemonOnly), [DAEMON_SPEC_ENV]: JSON.stringify(spec) },
    stdin: "ignore",
    stdout: logFd,
    stderr: logFd,
    detached: true,
    windowsHide: true,
  });
  closeSync(logFd);
  daemon.unref();
  mark("daemon spawned");

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
  const signalled = channel?.report ?? new Promise<never>(() => {});
  try {
    for (;;) {
      // Cancelled: what the daemon reports now is not this command's outcome; the interrupt exits.
      if (cancelled) await new Promise<never>(() => {});
      const report = channel?.received();
      if (report) return report;
      if (existsSync(readyFile)) return JSON.parse(readNoFollow(readyFile)) as ReadyReport;
      if (daemon.exitCode !== null || daemon.signalCode !== null) {
        // It may have reported just before exiting: over the channel (still to be read), or in the file.
        const last = await Promise.race([signalled, Bun.sleep(LAST_REPORT_MS).then(() => undefined)]);
        if (last) return last;
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
      // Woken by the report itself; the rest (the file, the daemon's end, the deadline) is checked now and then.
      await Promise.race([signalled, daemon.exited, Bun.sleep(FALLBACK_POLL_MS)]);
    }
  } finally {
    forget();
    channel?.close();
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
