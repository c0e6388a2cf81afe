// The detached daemon: holds the port, runs the agent, serves control clients until it stops.
// Its states and their order are in lifecycle.ts; this file says what happens in each.

import { newMarker } from "../agent/marker.ts";
import type { AgentOutput } from "../agent/output.ts";
import { isAlive } from "../agent/pids.ts";
import { AgentProcess } from "../agent/process.ts";
import { Watchdog } from "../agent/watchdog.ts";
import { UserError } from "../errors.ts";
import { endMarker } from "../protocol/agent-log.ts";
import type { AgentInfo, ControlRequest, EndSummary } from "../protocol/control.ts";
import type { DaemonSpec, ReadyReport } from "../protocol/daemon-spec.ts";
import { writeFileAtomic } from "../safe-files.ts";
import { selfCommand } from "../self.ts";
import { removeEnded } from "../state/ended-record.ts";
import { logPaths, newToken, type SessionState, writeState } from "../state/session-file.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import type { AgentLink } from "./agent-link.ts";
import {
  agentInfo,
  type DaemonContext,
  endSummary,
  frameworkInfo,
  handleControl,
} from "./control-handlers.ts";
import { IdleTimer } from "./idle.ts";
import { type DaemonState, isStarting, Lifecycle } from "./lifecycle.ts";
import { log } from "./log.ts";
import { agentPeerCheck } from "./peer.ts";
import { beginRunLog } from "./run-log.ts";
import { type ControlChannel, listen, refuse } from "./server.ts";
import { Session } from "./session.ts";
import { type Held, planStop, release, type StopCause, type StopPlan } from "./shutdown.ts";
import { agentConnection, greetingDone, StartFailure, switchToText } from "./start-up.ts";

/** How long an agent that dropped its connection gets to exit on its own before we call it hung up. */
const HANGUP_GRACE_MS = 1000;

type ServedRequest = Exclude<ControlRequest, { cmd: "end" }>;

export class Daemon {
  private readonly lifecycle: Lifecycle;
  private readonly token = newToken();
  private readonly agentLog: string;
  private readonly daemonLog: string;
  private readonly session = new Session();
  /** Which run of the session this daemon's agent is: 1 for `start`, then one more for each `restart`. */
  private readonly runNumber: number;
  private readonly idle: IdleTimer;
  private readonly held: Held;
  private ctx: DaemonContext | undefined;
  /** Commands that came while starting: they run once ready, or are refused if the start fails. */
  private readonly early: [ServedRequest, ControlChannel][] = [];
  /** `end` clients, answered once everything is stopped. */
  private readonly enders: ControlChannel[] = [];
  /** Aborted when stopping begins: the start-up steps give up. */
  private readonly cancelStart = new AbortController();
  private plan: StopPlan | undefined;
  /** How the session went, taken when stopping began (what `end` answers with). */
  private summary: EndSummary | undefined;
  /** The agent and tools at start, for start's summary. */
  private startInfo: AgentInfo | undefined;
  private connected: (link: AgentLink) => void = () => {};
  private readonly connection = new Promise<AgentLink>((resolve) => {
    this.connected = resolve;
  });

  constructor(
    private readonly spec: DaemonSpec,
    exit: (code: number) => void = (code) => process.exit(code),
  ) {
    this.lifecycle = new Lifecycle(log, exit);
    this.runNumber = spec.run ?? 1;
    this.idle = new IdleTimer(spec.idleTimeoutMs, () => this.stop({ kind: "idle", ms: spec.idleTimeoutMs }));
    const paths = logPaths(spec.port, ensureStateDir());
    this.agentLog = paths.agentLog;
    this.daemonLog = paths.daemonLog;
    this.held = { logs: [this.daemonLog], agentLogs: [this.agentLog, `${this.agentLog}.1`] };
  }

  /** Starts the session; once it stops, the process exits (from `lifecycle`). */
  async run(): Promise<void> {
    log(`daemon ${process.pid} starting on 127.0.0.1:${this.spec.port}: ${this.spec.plan.argv.join(" ")}`);
    // First: a stop (a Ctrl-C'd start sends SIGTERM) must find a handler however early it comes.
    for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
      process.on(signal, () => {
        if (this.lifecycle.state !== "stopped") this.stop({ kind: "signal", signal });
      });
    }
    if (!this.bind()) return;
    const agent = this.spawn();
    if (agent) await this.startUp(agent);
  }

  // --- binding, spawning ------------------------------------------------------------------------

  private bind(): boolean {
    const { port } = this.spec;
    try {
      this.held.port = listen(port, {
        token: this.token,
        agentSlotOpen: () => this.lifecycle.state === "awaiting-agent",
        acceptAgentPeer: (socket) => agentPeerCheck(socket, this.held.agent?.pid ?? 0, log),
        onAgent: (link) => this.onAgent(link),
        onControl: (request, channel) => this.onControl(request, channel),
        log,
      });
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE" || /in use/i.test(String(error));
      this.report({
        ok: false,
        code: inUse ? "port_in_use" : "bind_failed",
        error: inUse
          ? `127.0.0.1:${port} is already in use by another program`
          : `could not listen on 127.0.0.1:${port}: ${(error as Error).message}`,
        detail: inUse ? ["pick a free port with --port N (or LK_SESSION_PORT)"] : [],
      });
      void this.lifecycle.exitWhenFlushed(1, Promise.resolve());
      return false;
    }
    this.lifecycle.to("spawning", `listening on 127.0.0.1:${port}`);
    return true;
  }

  private spawn(): AgentProcess | undefined {
    const { spec } = this;
    // This start wins the port: what the last session there left is forgotten, but for the logs of
    // its last runs, which move back one place (run-log.ts).
    removeEnded(spec.port);
    let output: AgentOutput;
    try {
      output = beginRunLog(spec.port, this.runNumber, spec.entry, this.session);
    } catch (error) {
      // `start` refused a link there; this is one planted since.
      const detail = error instanceof UserError ? error.detail : [];
      const failure = new StartFailure(
        "spawn_failed",
        `could not open the agent log: ${(error as Error).message}`,
        detail,
      );
      this.stop({ kind: "start-failed", failure });
      return undefined;
    }
    // Each line once: the feed, the running turn if it asked for logs, else kept for the next one.
    output.onLine = (line) => this.session.onAgentLog(line);
    this.held.output = output;
    const marker = newMarker();
    // Before the agent: there is no moment when it runs and a killed daemon would leave it behind.
    this.held.watchdog = startWatchdog(marker, spec.port);
    let agent: AgentProcess;
    try {
      agent = AgentProcess.spawn(spec.plan, output, marker);
    } catch (error) {
      const message = `could not start the agent: ${(error as Error).message}`;
      this.stop({
        kind: "start-failed",
        failure: new StartFailure("spawn_failed", message, [`command: ${spec.plan.argv.join(" ")}`]),
      });
      return undefined;
    }
    this.held.agent = agent;
    this.held.watchdog?.guard(agent.pid);
    const record: SessionState = {
      version: 1,
      port: spec.port,
      daemonPid: process.pid,
      token: this.token,
      startedAt: new Date().toISOString(),
      agent: {
        pid: agent.pid,
        marker,
        runtime: spec.plan.runtime,
        label: spec.plan.label,
        entry: spec.entry,
        root: spec.root,
        argv: spec.plan.argv,
        runtimeArgs: spec.runtimeArgs,
      },
      launch: { connectTimeoutMs: spec.connectTimeoutMs, idleTimeoutMs: spec.idleTimeoutMs, ...spec.choices },
      agentLog: this.agentLog,
      daemonLog: this.daemonLog,
      run: this.runNumber,
    };
    writeState(record);
    this.held.recordOf = spec.port;
    this.ctx = { session: this.session, state: record };

    void agent.exited.then(() => this.onAgentExit(agent));
    this.lifecycle.to("awaiting-agent", `agent pid ${agent.pid}`);
    return agent;
  }

  // --- start-up: connect, text mode, greeting -----------------------------------------------------

  private async startUp(agent: AgentProcess): Promise<void> {
    const { signal } = this.cancelStart;
    try {
      const link = await agentConnection(this.connection, this.spec.connectTimeoutMs, agent.output, signal);
      await switchToText(link, signal);
      this.session.textModeAt = Date.now();
      this.lifecycle.to("greeting", "text mode on");
      await greetingDone(this.session, signal);
      // Asked together: each costs the agent a round trip, and start waits for both.
      const [framework, info] = await Promise.all([frameworkInfo(link), agentInfo(link)]);
      signal.throwIfAborted();
      if (this.ctx) this.ctx.framework = framework;
      this.startInfo = info;
      if (info) this.session.activeAgent = info.id;
    } catch (error) {
      // Stopping already (an end, a signal, the agent gone): the stop reports the failed start.
      if (signal.aborted) return;
      const failure =
        error instanceof StartFailure
          ? error
          : new StartFailure("agent_failed", `the agent failed: ${(error as Error).message}`);
      this.stop({ kind: "start-failed", failure });
      return;
    }
    this.lifecycle.to("ready");
    this.idle.start();
    this.report({
      ok: true,
      daemonPid: process.pid,
      agentPid: agent.pid,
      greeting: this.session.takeUnseen(),
      agentLog: this.agentLog,
      agentInfo: this.startInfo,
    });
    for (const [request, channel] of this.early.splice(0)) this.serve(request, channel);
  }

  private onAgent(link: AgentLink): void {
    // Attached before its first frame is handled: the agent's very first events must not be lost.
    this.session.attach(link);
    this.held.link = link;
    link.onClose = (reason) => this.onLinkClosed(reason);
    this.lifecycle.to("switching-to-text", `agent connected (pid ${this.held.agent?.pid})`);
    this.connected(link);
  }

  // --- serving ------------------------------------------------------------------------------------

  private onControl(request: ControlRequest, channel: ControlChannel): void {
    const { state } = this.lifecycle;
    // Every command keeps the session from being idle until it is answered; end ends it anyway,
    // and watching the feed is not using the session.
    if (request.cmd !== "end" && request.cmd !== "events")
      channel.gone.addEventListener("abort", this.idle.begin(), { once: true });
    if (request.cmd === "end") {
      this.end(channel);
    } else if (isStarting(state)) {
      // It waits for the start, and runs (or is refused) when the start is over.
      channel.send({ t: "accepted", ahead: 0 });
      this.early.push([request, channel]);
    } else if (state === "ready") {
      this.serve(request, channel);
    } else {
      refuse(channel, this.plan?.refusal ?? { code: "ending", error: "the session is ending" });
    }
  }

  private serve(request: ServedRequest, channel: ControlChannel): void {
    if (this.ctx) handleControl(this.ctx, request, channel);
  }

  /** `end` in any state: answered once the agent is stopped and the port is free. */
  private end(channel: ControlChannel): void {
    channel.send({ t: "accepted", ahead: 0 });
    if (this.lifecycle.state === "stopped") {
      this.ended(channel);
    } else {
      this.enders.push(channel);
      this.stop({ kind: "end" });
    }
  }

  // --- stopping -----------------------------------------------------------------------------------

  private onAgentExit(agent: AgentProcess): void {
    const exit = agent.describeExit();
    const phase: Partial<Record<DaemonState, string>> = {
      "awaiting-agent": "before connecting",
      "switching-to-text": "while switching to text mode",
      greeting: "while it was greeting",
    };
    const { state } = this.lifecycle;
    const when = phase[state];
    if (when)
      this.stop({ kind: "start-failed", failure: new StartFailure("agent_failed", `${exit} ${when}`) });
    else if (state === "ready") this.stop({ kind: "agent-exited", exit });
    // Otherwise we are stopping it.
  }

  private onLinkClosed(reason: string): void {
    const { state } = this.lifecycle;
    if (state === "switching-to-text" || state === "greeting") {
      this.stop({
        kind: "start-failed",
        failure: new StartFailure("agent_failed", `the agent failed: ${reason}`),
      });
    } else if (state === "ready") {
      // An agent that drops its connection but keeps running (a Python worker whose job crashed) is of
      // no more use: end the session with its last output rather than leave a dead one "running".
      // If it is exiting, its exit (code, output) is the better reason: give it a moment.
      const exited = this.held.agent?.exited ?? Promise.resolve();
      void Promise.race([exited, Bun.sleep(HANGUP_GRACE_MS)]).then(() => {
        if (this.lifecycle.state === "ready") this.stop({ kind: "agent-hung-up", reason });
      });
    }
  }

  /** Begins stopping (the first cause wins); the process exits when all is released and answered. */
  private stop(cause: StopCause): void {
    if (this.plan) return;
    const plan = planStop(cause, isStarting(this.lifecycle.state));
    this.plan = plan;
    if (this.ctx) this.summary = endSummary(this.ctx);
    this.idle.stop();
    this.lifecycle.to("stopping", plan.why);
    this.held.endMark = endMarker(this.runNumber, plan.why);
    this.cancelStart.abort(new Error(plan.why));
    const output = plan.withOutput ? this.held.output?.tail(25) : undefined;
    this.session.stop(plan.turns.code, plan.turns.error, output, plan.turns.listenError);
    void this.release(plan);
  }

  private async release(plan: StopPlan): Promise<void> {
    const record = plan.leavesRecord
      ? {
          version: 1 as const,
          endedAt: new Date().toISOString(),
          why: plan.why,
          agentLog: this.agentLog,
          // Not for an idle end: nothing went wrong.
          lastLines: plan.withOutput ? (this.held.output?.tail(15) ?? []) : [],
        }
      : undefined;
    await release(this.held, plan.keepLogs, record, plan.keepLogs || plan.keepAgentLog === true);
    log(`daemon stopped (${this.held.agent?.describeExit() ?? "no agent was started"})`);
    const failure = plan.startFailure;
    if (failure) {
      this.report(
        failure.detail
          ? { ok: false, code: failure.code, error: failure.message, detail: failure.detail }
          : {
              ok: false,
              code: failure.code,
              error: failure.message,
              detail: this.held.output?.tail(25) ?? [],
              agentLog: this.agentLog,
            },
      );
    }
    for (const [, channel] of this.early.splice(0)) refuse(channel, plan.refusal);
    for (const channel of this.enders.splice(0)) this.ended(channel);
    this.session.feed.end(plan.why);
    await this.lifecycle.exitWhenFlushed(plan.exitCode, this.held.port?.flushed() ?? Promise.resolve());
  }

  /** An `end` got what it asked for: how the session went, as it was when stopping began. */
  private ended(channel: ControlChannel): void {
    const summary = this.summary ?? (this.ctx && endSummary(this.ctx));
    if (summary) channel.send({ t: "done", ok: true, data: summary });
    else channel.send({ t: "done", ok: false, code: "ending", error: "the session never started" });
    channel.close();
  }

  private report(report: ReadyReport): void {
    // A start killed outright (a second Ctrl-C, kill -9) would never remove it.
    if (!isAlive(this.spec.launcherPid)) return;
    writeFileAtomic(this.spec.readyFile, JSON.stringify(report));
  }
}

function startWatchdog(marker: string, port: number): Watchdog | undefined {
  try {
    const watchdog = Watchdog.start(
      marker,
      [...selfCommand(), "agent", "session", "reap"],
      `lk-watchdog 127.0.0.1:${port}`,
    );
    if (watchdog) log(`watchdog pid ${watchdog.pid}`);
    return watchdog;
  } catch (error) {
    log(`no watchdog (${(error as Error).message}): a killed daemon would leave its agent running`);
    return undefined;
  }
}
