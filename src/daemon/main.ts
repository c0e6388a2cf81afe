// The detached daemon: holds the port, runs the agent, serves control clients until `end`.

import { rmSync } from "node:fs";
import type { TCPSocketListener } from "bun";
import { AgentOutput } from "../agent/output.ts";
import { AgentProcess } from "../agent/process.ts";
import type { ControlRequest } from "../protocol/control.ts";
import type { DaemonSpec, ReadyReport } from "../protocol/daemon-spec.ts";
import { isBusy } from "../protocol/events.ts";
import {
  logPaths,
  newToken,
  removeState,
  type SessionState,
  writeFileAtomic,
  writeState,
} from "../state/session-file.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import type { AgentLink } from "./agent-link.ts";
import { type DaemonContext, frameworkInfo, handleControl } from "./control-handlers.ts";
import { agentPeerCheck } from "./peer.ts";
import { type Conn, type ControlChannel, listen } from "./server.ts";
import { formatSeconds, Session } from "./session.ts";

/** SIGINT first; whatever still runs after this is killed. */
export const STOP_GRACE_MS = 1500;
/**
 * After text mode is on: how long the agent must stay quiet before we call it ready. A greeting
 * starts (state → thinking) within a few ms; the first turn also waits out a longer window.
 */
const GREETING_QUIET_MS = 50;
/** A greeting that takes longer than this is shown at the next `say` instead. */
const GREETING_MAX_MS = 8000;
const UPDATE_IO_TIMEOUT_MS = 10_000;

/** The daemon's own log (its stderr is a file): capped, so a flood of bad connections cannot fill a disk. */
const DAEMON_LOG_CAP_BYTES = 2 * 1024 * 1024;
let daemonLogBytes = 0;

function log(message: string): void {
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) return;
  const at = new Date().toISOString();
  let line = `${at} ${message}\n`;
  daemonLogBytes += line.length;
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) line += `${at} (log capped; later messages are dropped)\n`;
  process.stderr.write(line);
}

class StartFailure extends Error {
  constructor(
    readonly code: Extract<ReadyReport, { ok: false }>["code"],
    message: string,
  ) {
    super(message);
  }
}

export async function runDaemon(spec: DaemonSpec): Promise<never> {
  const report = (r: ReadyReport) => writeFileAtomic(spec.readyFile, JSON.stringify(r));
  const dir = ensureStateDir();
  const { agentLog, daemonLog } = logPaths(spec.port, dir);
  const token = newToken();
  log(`daemon ${process.pid} starting on 127.0.0.1:${spec.port}: ${spec.plan.argv.join(" ")}`);

  let agentSlotOpen = true;
  let onAgent: (link: AgentLink) => void = () => {};
  // Commands that arrive while the agent is still starting wait for it; an `end` cancels the start.
  const early: [ControlRequest, ControlChannel][] = [];
  let abortStart: (failure: StartFailure) => void = () => {};
  const startAborted = new Promise<never>((_, reject) => {
    abortStart = reject;
  });
  startAborted.catch(() => {});
  let onControl: (request: ControlRequest, channel: ControlChannel) => void = (request, channel) => {
    channel.send({ t: "accepted", ahead: 0 });
    early.push([request, channel]);
    if (request.cmd === "end")
      abortStart(new StartFailure("agent_failed", "the session was ended while it was starting"));
  };
  let agentPid = 0;

  let listener: TCPSocketListener<Conn>;
  try {
    listener = listen(spec.port, {
      token,
      agentSlotOpen: () => agentSlotOpen,
      acceptAgentPeer: (socket) => agentPeerCheck(socket, agentPid, log),
      onAgent: (link) => onAgent(link),
      onControl: (request, channel) => onControl(request, channel),
      log,
    });
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE" || /in use/i.test(String(error));
    report({
      ok: false,
      code: inUse ? "port_in_use" : "bind_failed",
      error: inUse
        ? `127.0.0.1:${spec.port} is already in use by another program`
        : `could not listen on 127.0.0.1:${spec.port}: ${(error as Error).message}`,
      detail: inUse ? ["pick a free port with --port N (or LK_SESSION_PORT)"] : [],
    });
    process.exit(1);
  }

  const output = new AgentOutput(agentLog);
  let agent: AgentProcess;
  try {
    agent = AgentProcess.spawn(spec.plan, output);
  } catch (error) {
    listener.stop(true);
    output.close();
    report({
      ok: false,
      code: "spawn_failed",
      error: `could not start the agent: ${(error as Error).message}`,
      detail: [`command: ${spec.plan.argv.join(" ")}`],
    });
    process.exit(1);
  }
  agentPid = agent.pid;
  const session = new Session(agent);
  const state: SessionState = {
    version: 1,
    port: spec.port,
    daemonPid: process.pid,
    token,
    startedAt: new Date().toISOString(),
    agent: {
      pid: agent.pid,
      runtime: spec.plan.runtime,
      label: spec.plan.label,
      entry: spec.entry,
      root: spec.root,
      argv: spec.plan.argv,
      runtimeArgs: spec.runtimeArgs,
    },
    launch: { plan: spec.plan, connectTimeoutMs: spec.connectTimeoutMs },
    agentLog,
    daemonLog,
  };
  writeState(state);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (keepLogs: boolean): Promise<void> => {
    shuttingDown ??= (async () => {
      agentSlotOpen = false;
      // SIGINT first, with the connection still open: the agent closing it tells us it is done.
      await agent.stop(STOP_GRACE_MS, session.link?.whenClosed);
      session.link?.close("the session is ending");
      output.close();
      // Stop listening before anyone is told the session ended: the port is then free.
      listener.stop(false);
      removeState(spec.port);
      if (!keepLogs) {
        for (const path of [agentLog, `${agentLog}.1`, daemonLog]) rmSync(path, { force: true });
      }
      log(`daemon stopped (${agent.describeExit()})`);
    })();
    return shuttingDown;
  };
  const exitSoon = (code: number) => setTimeout(() => process.exit(code), 20);

  // Installed before the agent starts up: a daemon stopped at any point takes its agent with it.
  for (const sig of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
    process.on(sig, () => {
      log(`${sig} received; shutting down`);
      abortStart(new StartFailure("agent_failed", `the session daemon was stopped (${sig})`));
      session.stop("ending", "the session daemon was stopped");
      void shutdown(false).then(() => exitSoon(0));
    });
  }

  // --- Start-up: connect, text mode, greeting -------------------------------------------------
  const startUp = async () => {
    const link = await new Promise<AgentLink>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new StartFailure(
              "timeout",
              `the agent did not connect within ${formatSeconds(spec.connectTimeoutMs)}`,
            ),
          ),
        spec.connectTimeoutMs,
      );
      onAgent = (link) => {
        // Attach before the first frame is handled: the agent's very first events must not be lost.
        session.attach(link);
        clearTimeout(timer);
        agentSlotOpen = false;
        resolve(link);
      };
      agent.exited.then(() => {
        clearTimeout(timer);
        reject(new StartFailure("agent_failed", `${agent.describeExit()} before connecting`));
      });
      output.onCrashMarker = (line) => {
        clearTimeout(timer);
        reject(
          new StartFailure(
            "agent_failed",
            `the agent failed before connecting ("${line.trim().slice(0, 160)}")`,
          ),
        );
      };
    });
    output.onCrashMarker = undefined;
    log(`agent connected (pid ${agent.pid})`);

    const io = link.request({
      oneofKind: "updateIo",
      updateIo: {
        input: { audioEnabled: false },
        output: { audioEnabled: false, transcriptionEnabled: false },
      },
    });
    const ack = await Promise.race([
      io.response,
      Bun.sleep(UPDATE_IO_TIMEOUT_MS).then(() => {
        throw new StartFailure("timeout", "the agent did not acknowledge text mode (update_io) in time");
      }),
      agent.exited.then(() => {
        throw new StartFailure("agent_failed", `${agent.describeExit()} while switching to text mode`);
      }),
    ]);
    if (ack.error) throw new StartFailure("agent_failed", `the agent refused text mode: ${ack.error}`);
    session.textModeAt = Date.now();

    await waitForQuiet(session);
  };
  try {
    await Promise.race([startUp(), startAborted]);
  } catch (error) {
    const failure =
      error instanceof StartFailure
        ? error
        : new StartFailure("agent_failed", `the agent failed: ${(error as Error).message}`);
    log(`start failed: ${failure.message}`);
    await shutdown(true);
    report({ ok: false, code: failure.code, error: failure.message, detail: output.tail(25), agentLog });
    for (const [request, channel] of early) {
      // An `end` got what it asked for; anything else could not run.
      if (request.cmd === "end") channel.send({ t: "done", ok: true });
      else
        channel.send({
          t: "done",
          ok: false,
          code: "agent_exited",
          error: `the session could not start: ${failure.message}`,
        });
      channel.close();
    }
    exitSoon(1);
    return new Promise<never>(() => {});
  }

  // --- Serving ----------------------------------------------------------------------------------
  const ctx: DaemonContext = { session, state, shutdown, exitSoon, log };
  ctx.framework = await frameworkInfo(ctx);
  onControl = (request, channel) => handleControl(ctx, request, channel);
  for (const [request, channel] of early.splice(0)) handleControl(ctx, request, channel);

  // An agent that drops its connection but keeps running (a Python worker whose job crashed) is of
  // no more use: end the session with its last output rather than leave a dead one "running".
  if (session.link) {
    session.link.onClose = (reason) => {
      if (shuttingDown) return;
      void (async () => {
        await Promise.race([agent.exited, Bun.sleep(1000)]);
        if (shuttingDown) return; // the exit handler below took over
        const why = `${reason}; the agent was still running and has been stopped`;
        log(why);
        session.stop("agent_exited", why, output.tail(25));
        await shutdown(true);
        exitSoon(1);
      })();
    };
  }

  agent.exited.then(async () => {
    if (shuttingDown) return;
    const why = agent.describeExit();
    log(`${why}; shutting down`);
    session.stop("agent_exited", why, output.tail(25));
    await shutdown(true);
    exitSoon(1);
  });

  report({ ok: true, daemonPid: process.pid, agentPid: agent.pid, greeting: session.takeUnseen(), agentLog });
  log("ready");
  return new Promise<never>(() => {});
}

/** Lets a greeting started by on_enter arrive (and not be cancelled by the first turn). */
async function waitForQuiet(session: Session): Promise<void> {
  const deadline = Date.now() + GREETING_MAX_MS;
  const since = Date.now();
  for (;;) {
    const busy = isBusy(session.agentState);
    const quietFor = Date.now() - Math.max(session.lastEventAt, since);
    if ((!busy && quietFor >= GREETING_QUIET_MS) || Date.now() >= deadline) return;
    await Bun.sleep(busy ? 20 : Math.max(5, GREETING_QUIET_MS - quietFor));
  }
}
