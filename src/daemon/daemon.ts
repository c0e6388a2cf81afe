// The detached daemon: holds the port, runs the agent, serves control clients until it stops.
// Its states and their order are in lifecycle.ts; this file says what happens in each.

import { newMarker } from "../agent/marker.ts";
import { isAlive } from "../agent/pids.ts";
import type { PreparedLaunch } from "../agent/prepare.ts";
import { AgentProcess } from "../agent/process.ts";
import { Watchdog } from "../agent/watchdog.ts";
import { UserError } from "../errors.ts";
import type { AudioSettings } from "../protocol/audio.ts";
import type { AgentDown, ControlRequest, DoneReply, EndSummary } from "../protocol/control.ts";
import type { DaemonSpec, LaunchRequest, ReadyReport } from "../protocol/daemon-spec.ts";
import { type EnvFrom, laterEnvFrom, shownEnv } from "../protocol/env.ts";
import { type LaunchPlan, launchedAgent } from "../protocol/launch-plan.ts";
import { writeFileAtomic } from "../safe-files.ts";
import { selfCommand } from "../self.ts";
import { removeEnded } from "../state/ended-record.ts";
import { logPaths, newToken, relaunchOf, type SessionState, writeState } from "../state/session-file.ts";
import { ensureStateDir } from "../state/state-dir.ts";
import { wireMessages } from "../wire/messages.ts";
import type { AgentLink } from "./agent-link.ts";
import { AgentRun } from "./agent-run.ts";
import {
  addRun,
  agentHistory,
  agentInfo,
  type DaemonContext,
  endSummary,
  frameworkInfo,
  handleControl,
  type PastRuns,
  type ServedRequest,
} from "./control-handlers.ts";
import { IdleTimer } from "./idle.ts";
import { type DaemonState, isStarting, Lifecycle } from "./lifecycle.ts";
import { log } from "./log.ts";
import { agentPeerCheck } from "./peer.ts";
import { signalReady } from "./ready-signal.ts";
import { downRefusal, planAgain } from "./restart.ts";
import { RunArchive } from "./run-archive.ts";
import { beginRunLog, type RunLog } from "./run-log.ts";
import { type ControlChannel, listen, refuse } from "./server.ts";
import {
  AUDIO_STOP_GRACE_MS,
  type Held,
  planStop,
  release,
  releaseAgent,
  type StopCause,
  type StopPlan,
} from "./shutdown.ts";
import { agentConnection, greetingDone, StartFailure, switchMode } from "./start-up.ts";

/** How long an agent that dropped its connection gets to exit on its own before we call it hung up. */
const HANGUP_GRACE_MS = 1000;

type RestartRequest = Extract<ControlRequest, { cmd: "restart" }>;

export class Daemon {
  private readonly lifecycle: Lifecycle;
  private readonly token = newToken();
  private readonly agentLog: string;
  private readonly daemonLog: string;
  private readonly idle: IdleTimer;
  private readonly held: Held;
  /** What the next agent is started with: start's request, then as each restart changed it. */
  private launch: LaunchRequest;
  /** The environment of the shell that ran `start` (the agent's, before the overrides). */
  private readonly baseEnv: Record<string, string | undefined>;
  /** `--env`/`--env-file` of start and of every restart since, values and all (kept in memory only). */
  private overrides: Record<string, string>;
  /** The agent now running (or starting, or down). */
  private current: AgentRun;
  /** The conversations of the runs before it (each agent's chat history, read as it was replaced). */
  private readonly archive = new RunArchive();
  /** An audio session's mode (audio-mode.ts), loaded once: each run gets its own from it. */
  private audioModule: typeof import("./audio-mode.ts") | undefined;
  /** When this daemon started (ISO): the daemon's uptime, whatever the restarts. */
  private readonly daemonStartedAt = new Date().toISOString();
  /** The runs before the current one that took the session: for `end`'s whole-session summary. */
  private readonly pastRuns: PastRuns = { runs: 0, turns: 0 };
  /** When the first run's agent was started (ISO): where the whole session's transcript begins. */
  private sessionStartedAt: string | undefined;
  private ctx: DaemonContext | undefined;
  /** The client of a restart under way, answered when its agent is ready or has failed. */
  private restarting: ControlChannel | undefined;
  /** An agent being stopped in the background (after a failed restart): the next step waits for it. */
  private releasing: Promise<void> = Promise.resolve();
  /** The last agent started, for the daemon's log at exit. */
  private lastAgent: AgentProcess | undefined;
  /** Commands that came while starting: they run once ready, or are refused if the start fails. */
  private readonly early: [ServedRequest, ControlChannel][] = [];
  /** `end` clients, answered once everything is stopped. */
  private readonly enders: ControlChannel[] = [];
  private plan: StopPlan | undefined;
  /** How the session went, taken when stopping began (what `end` answers with). */
  private summary: EndSummary | undefined;
  /** Resolves once the ready report reached `start` (or the file): the process does not exit before. */
  private reported: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: DaemonSpec,
    exit: (code: number) => void = (code) => process.exit(code),
  ) {
    this.lifecycle = new Lifecycle(log, exit);
    this.launch = spec;
    this.baseEnv = { ...process.env };
    this.overrides = { ...(spec.env ?? {}) };
    this.idle = new IdleTimer(spec.idleTimeoutMs, () => this.stop({ kind: "idle", ms: this.idle.ms }));
    const paths = logPaths(spec.port, ensureStateDir());
    this.agentLog = paths.agentLog;
    this.daemonLog = paths.daemonLog;
    this.held = { logs: [this.daemonLog], agentLogs: [this.agentLog, `${this.agentLog}.1`] };
    this.current = new AgentRun(1, spec.plan, (report) => this.reportToStart(report));
  }

  /** Where the overrides came from (a spec without it: all from --env). */
  private envFrom(): EnvFrom {
    return this.launch.envFrom ?? { files: [], flags: Object.keys(this.overrides) };
  }

  /** What the `start` printed after an end needs: the files, the --env (a secret's value null), start's shell. */
  private relaunchEnv(plan: LaunchPlan): Pick<SessionState["launch"], "envFiles" | "envFlags" | "fromShell"> {
    const { files, flags } = this.envFrom();
    const given = Object.fromEntries(
      flags.flatMap((name) => (name in this.overrides ? [[name, this.overrides[name] as string]] : [])),
    );
    return {
      envFiles: files,
      envFlags: shownEnv(given),
      ...(plan.fromShell ? { fromShell: plan.fromShell } : {}),
    };
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
    if (this.launch.audio && !(await this.loadAudio(this.launch.audio))) return;
    const agent = this.spawn();
    if (agent) await this.startUp(agent);
  }

  // --- binding, spawning ------------------------------------------------------------------------

  private bind(): boolean {
    const { port } = this.spec;
    try {
      this.held.port = listen(port, {
        token: this.token,
        // Not for an agent whose start was given up (a failed restart's, being stopped).
        agentSlotOpen: () => this.lifecycle.state === "awaiting-agent" && !this.current.cancel.signal.aborted,
        acceptAgentPeer: (socket) => agentPeerCheck(socket, this.held.agent?.pid ?? 0, log),
        onAgent: (link) => this.onAgent(link),
        onControl: (request, channel) => this.onControl(request, channel),
        log,
      });
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE" || /in use/i.test(String(error));
      this.reportToStart({
        ok: false,
        code: inUse ? "port_in_use" : "bind_failed",
        error: inUse
          ? `127.0.0.1:${port} is already in use by another program`
          : `could not listen on 127.0.0.1:${port}: ${(error as Error).message}`,
        detail: inUse ? ["pick a free port with --port N (or LK_SESSION_PORT)"] : [],
      });
      void this.lifecycle.exitWhenFlushed(1, this.reported);
      return false;
    }
    this.lifecycle.to("spawning", `listening on 127.0.0.1:${port}`);
    return true;
  }

  /** An audio session's mic, speaker and TTS: their code is loaded only for one, before the first agent. */
  private async loadAudio(settings: AudioSettings): Promise<boolean> {
    try {
      this.audioModule = await import("./audio-mode.ts");
    } catch (error) {
      this.startFailed(new StartFailure("spawn_failed", (error as Error).message));
      return false;
    }
    // Every agent of the session, a restart's replaced one too: it may wait 2 s for a last transcript.
    this.held.stopGraceMs = AUDIO_STOP_GRACE_MS;
    log(`audio mode: ${settings.tts}${settings.fastPlayback ? ", fast playback" : ""}`);
    return true;
  }

  /**
   * Gives the run's session its audio mode (a fresh mic, speaker and TTS for each agent: a restart's
   * too, with the settings `start` gave); false when its TTS is gone (the start has failed then).
   */
  private equipAudio(run: AgentRun): boolean {
    const settings = this.launch.audio;
    if (!settings || !this.audioModule) return true;
    const { session } = run;
    try {
      session.audio = this.audioModule.AudioMode.create(settings, {
        activity: session.activity,
        agentState: () => session.agentState,
        lastEventAt: () => session.lastEventAt,
        agentOutput: () => this.held.output?.tail(12) ?? [],
      });
      return true;
    } catch (error) {
      const detail = error instanceof UserError ? error.detail : [];
      this.startFailed(new StartFailure("spawn_failed", (error as Error).message, detail));
      return false;
    }
  }

  private spawn(): AgentProcess | undefined {
    const { launch, current: run } = this;
    // This start wins the port: what the last session there left is forgotten, but for the logs of
    // its last runs, which move back one place: each agent process begins a run (run-log.ts).
    removeEnded(launch.port);
    if (!this.equipAudio(run)) return undefined;
    let runLog: RunLog;
    try {
      runLog = beginRunLog(launch.port, run.number, launch.entry, run.session);
    } catch (error) {
      // `start` refused a link there; this is one planted since.
      const detail = error instanceof UserError ? error.detail : [];
      this.startFailed(
        new StartFailure("spawn_failed", `could not open the agent log: ${(error as Error).message}`, detail),
      );
      return undefined;
    }
    const { output } = runLog;
    // Each line once: the feed, the running turn if it asked for logs, else kept for the next one.
    output.onLine = (line) => run.session.onAgentLog(line);
    this.held.output = output;
    const marker = newMarker();
    // Before the agent: there is no moment when it runs and a killed daemon would leave it behind.
    this.held.watchdog = startWatchdog(marker, launch.port);
    let agent: AgentProcess;
    try {
      agent = AgentProcess.spawn(run.plan, output, marker, { ...this.baseEnv, ...this.overrides });
      // Still the log's first line: the agent's output is read on the event loop, after this.
      runLog.markStart();
      // The protocol's code, now, while the agent starts: it is needed once the agent connects.
      wireMessages();
    } catch (error) {
      runLog.markStart();
      const message = `could not start the agent: ${(error as Error).message}`;
      this.startFailed(new StartFailure("spawn_failed", message, [`command: ${run.plan.argv.join(" ")}`]));
      return undefined;
    }
    this.held.agent = agent;
    this.lastAgent = agent;
    this.held.watchdog?.guard(agent.pid);
    const startedAt = new Date().toISOString();
    this.sessionStartedAt ??= startedAt;
    const record: SessionState = {
      version: 1,
      port: launch.port,
      daemonPid: process.pid,
      token: this.token,
      startedAt,
      run: run.number,
      daemonStartedAt: this.daemonStartedAt,
      // Once restarted: the transcript covers every run since the first.
      ...(run.number > 1 ? { sessionStartedAt: this.sessionStartedAt } : {}),
      agent: {
        pid: agent.pid,
        marker,
        runtime: run.plan.runtime,
        label: run.plan.label,
        entry: launch.entry,
        root: launch.root,
        argv: run.plan.argv,
        runtimeArgs: launch.runtimeArgs,
      },
      launch: {
        connectTimeoutMs: launch.connectTimeoutMs,
        idleTimeoutMs: launch.idleTimeoutMs,
        ...launch.choices,
        // Names and values, but never a secret's value: the record is a file.
        env: shownEnv(this.overrides),
        ...(launch.audio ? { audio: launch.audio } : {}),
        ...this.relaunchEnv(run.plan),
      },
      agentLog: this.agentLog,
      daemonLog: this.daemonLog,
    };
    writeState(record);
    this.held.recordOf = launch.port;
    this.ctx = { session: run.session, state: record, env: shownEnv(this.overrides), archive: this.archive };

    void agent.exited.then(() => this.onAgentExit(agent));
    this.lifecycle.to("awaiting-agent", `agent pid ${agent.pid}`);
    return agent;
  }

  // --- start-up: connect, text (or audio) mode, greeting ------------------------------------------

  private get mode(): "text" | "audio" {
    return this.launch.audio ? "audio" : "text";
  }

  private async startUp(agent: AgentProcess): Promise<void> {
    const run = this.current;
    const { signal } = run.cancel;
    try {
      const link = await agentConnection(run.connection, this.launch.connectTimeoutMs, agent.output, signal);
      await switchMode(link, this.mode, signal);
      run.session.modeSetAt = Date.now();
      run.session.audio?.inputOn(run.session.modeSetAt);
      this.lifecycle.to("greeting", `${this.mode} mode on`);
      // Asked at once, while any greeting goes on: each costs the agent a round trip, and start waits for all.
      const asked = Promise.all([frameworkInfo(link), agentInfo(link)]);
      await greetingDone(link, run.session, signal, run.session.audio?.inputReadyAt);
      const [framework, info] = await asked;
      signal.throwIfAborted();
      if (this.ctx) this.ctx.framework = framework;
      run.info = info;
      if (info) run.session.activeAgent = info.id;
    } catch (error) {
      // Given up already (a stop, or the run failed): whoever gave up reports it.
      if (signal.aborted) return;
      const failure =
        error instanceof StartFailure
          ? error
          : new StartFailure("agent_failed", `the agent failed: ${(error as Error).message}`);
      this.startFailed(failure);
      return;
    }
    this.lifecycle.to("ready");
    this.idle.start();
    this.restarting = undefined;
    run.report({
      ok: true,
      daemonPid: process.pid,
      agentPid: agent.pid,
      greeting: run.session.takeUnseen(),
      agentLog: this.agentLog,
      agentInfo: run.info,
    });
    for (const [request, channel] of this.early.splice(0)) this.serve(request, channel);
  }

  private onAgent(link: AgentLink): void {
    // Attached before its first frame is handled: the agent's very first events must not be lost.
    this.current.session.attach(link);
    this.held.link = link;
    link.onClose = (reason) => this.onLinkClosed(link, reason);
    this.lifecycle.to("switching-mode", `agent connected (pid ${this.held.agent?.pid})`);
    this.current.connected(link);
  }

  /** The agent did not become ready: a first start fails (the daemon stops), a restart leaves it down. */
  private startFailed(failure: StartFailure): void {
    if (this.restarting) this.agentDown(failure);
    else this.stop({ kind: "start-failed", failure });
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
    } else if (request.cmd === "restart") {
      this.restart(request, channel);
    } else if (isStarting(state)) {
      // It waits for the start, and runs (or is refused) when the start is over.
      channel.send({ t: "accepted", ahead: 0 });
      this.early.push([request, channel]);
    } else if (state === "ready") {
      this.serve(request, channel);
    } else if (state === "agent-down") {
      this.serveDown(request, channel);
    } else {
      refuse(channel, this.plan?.refusal ?? { code: "ending", error: "the session is ending" });
    }
  }

  private serve(request: ServedRequest, channel: ControlChannel): void {
    if (this.ctx) handleControl(this.ctx, request, channel);
  }

  /**
   * With no agent: `status`, `ping`, `events` (the feed goes on) and the earlier runs' history (the
   * transcript of `end --transcript`) are answered; what needs the agent is told why not.
   */
  private serveDown(request: ServedRequest, channel: ControlChannel): void {
    const down = this.ctx?.down;
    const answerable =
      request.cmd === "status" ||
      request.cmd === "ping" ||
      request.cmd === "events" ||
      (request.cmd === "history" && request.earlierRuns === true);
    if (answerable || !down) this.serve(request, channel);
    else refuse(channel, downRefusal(down, this.launch.port));
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

  // --- restarting ---------------------------------------------------------------------------------

  /** A fresh agent on this port, planned again; answered when it is ready, or has failed (then: agent-down). */
  private restart(request: RestartRequest, channel: ControlChannel): void {
    const { state } = this.lifecycle;
    if (state !== "ready" && state !== "agent-down") {
      const error = this.restarting
        ? "a restart is already under way; wait for it to finish"
        : isStarting(state)
          ? "the session is still starting; restart it once it has started"
          : undefined;
      refuse(
        channel,
        error
          ? { code: "bad_request", error }
          : (this.plan?.refusal ?? { code: "ending", error: "the session is ending" }),
      );
      return;
    }
    channel.send({ t: "accepted", ahead: 0 });
    const overrides = { ...this.overrides, ...request.env };
    const prepared = planAgain(this.launch, { ...this.baseEnv, ...overrides });
    // Not even planned (its file gone, its runtime missing): nothing changes, the agent keeps running.
    if (!("plan" in prepared)) {
      refuse(channel, prepared);
      return;
    }
    this.overrides = overrides;
    this.launch = {
      ...this.launch,
      plan: prepared.plan,
      connectTimeoutMs: request.connectTimeoutMs ?? this.launch.connectTimeoutMs,
      idleTimeoutMs: request.idleTimeoutMs ?? this.launch.idleTimeoutMs,
      envFrom: laterEnvFrom(
        this.envFrom(),
        request.envFrom ?? { files: [], flags: Object.keys(request.env) },
        request.env,
      ),
    };
    this.idle.change(this.launch.idleTimeoutMs);
    this.restarting = channel;
    const old = this.current;
    // Its turns and usage count in `end`'s summary (an agent that never became ready had none).
    if (state === "ready") addRun(this.pastRuns, old.session);
    this.lifecycle.to("replacing", state === "agent-down" ? "restart (the agent was down)" : "restart");
    old.cancel.abort(new Error("the agent is being restarted"));
    old.session.stop(
      "ending",
      "the agent was restarted while this turn was running",
      undefined,
      "the agent was restarted while listen was waiting",
    );
    // `events` clients go on watching: the feed carries on into the new agent's session.
    this.current = new AgentRun(
      old.number + 1,
      prepared.plan,
      (report) => this.reportToRestart(channel, report, prepared),
      old.session.feed,
    );
    // A new object: a command still holding the old context keeps the old agent's session.
    if (this.ctx)
      this.ctx = { ...this.ctx, session: this.current.session, framework: undefined, down: undefined };
    void this.replace(old, this.current, state === "agent-down");
  }

  /**
   * Keeps `old`'s conversation for the transcript and stops its agent (its log ends "restarted"),
   * then starts the current run's. A run that was down had no agent and said nothing: it adds nothing.
   */
  private async replace(old: AgentRun, next: AgentRun, wasDown: boolean): Promise<void> {
    const end = { run: old.number, why: "restarted" };
    this.releasing = this.releasing
      .then(() => (wasDown ? undefined : this.archiveRun(old, next)))
      .then(() => releaseAgent(this.held, "the agent is being restarted", end));
    await this.releasing;
    // Stopping began meanwhile: the stop answers the restart.
    if (this.plan) return;
    this.lifecycle.to("spawning", "the old agent is stopped");
    const agent = this.spawn();
    if (agent) await this.startUp(agent);
  }

  /**
   * The run's conversation (its agent's chat history, read before it is stopped: the next agent starts
   * with an empty one) and a restart marker, into the archive. Bounded: an agent that does not answer
   * within QUERY_TIMEOUT_MS (3 s) delays its restart that long, and the marker (and `next`'s restart
   * reply) says its run is missing.
   */
  private async archiveRun(old: AgentRun, next: AgentRun): Promise<void> {
    const at = Date.now();
    try {
      const events = await agentHistory(old.session);
      this.archive.add([...events, { type: "restart", at, turn: null }]);
    } catch (error) {
      const unread = (error as Error).message;
      log(`restart: the old agent's conversation could not be read (${unread}); the transcript skips it`);
      this.archive.add([{ type: "restart", at, turn: null, unread }]);
      next.unreadBefore = unread;
    }
  }

  /** A restart's agent did not become ready: it is stopped, and the daemon waits, port held, for the next restart. */
  private agentDown(failure: StartFailure): void {
    const run = this.current;
    // Its exit and its start-up may both report the failure: the first one counts.
    if (run.cancel.signal.aborted) return;
    run.cancel.abort(new Error(failure.message));
    const agent = this.held.agent;
    const output = this.held.output;
    const end = { run: run.number, why: `failed to start: ${failure.message}` };
    this.releasing = this.releasing.then(() => releaseAgent(this.held, "the agent failed to start", end));
    void this.releasing.then(() => {
      if (this.plan) return;
      // Taken once it is stopped: the last lines (a traceback) are in by then.
      const lastLines = failure.detail ?? output?.tail(25) ?? [];
      const down: AgentDown = {
        reason: failure.message,
        since: new Date().toISOString(),
        exit: agent?.describeExit() ?? "the agent was not started",
        lastLines,
      };
      if (this.ctx) this.ctx.down = down;
      const refusal = downRefusal(down, this.launch.port);
      run.session.stop(refusal.code, refusal.error, refusal.detail);
      this.lifecycle.to("agent-down", failure.message);
      run.report(
        failure.detail
          ? { ok: false, code: failure.code, error: failure.message, detail: failure.detail }
          : {
              ok: false,
              code: failure.code,
              error: failure.message,
              detail: lastLines,
              agentLog: this.agentLog,
            },
      );
      for (const [, channel] of this.early.splice(0)) refuse(channel, refusal);
    });
  }

  // --- stopping -----------------------------------------------------------------------------------

  private onAgentExit(agent: AgentProcess): void {
    // An agent being replaced, or one that already failed: not the one this daemon is about.
    if (agent !== this.held.agent) return;
    const exit = agent.describeExit();
    const phase: Partial<Record<DaemonState, string>> = {
      "awaiting-agent": "before connecting",
      "switching-mode": `while switching to ${this.mode} mode`,
      greeting: "while it was greeting",
    };
    const { state } = this.lifecycle;
    const when = phase[state];
    if (when) this.startFailed(new StartFailure("agent_failed", `${exit} ${when}`));
    else if (state === "ready") this.stop({ kind: "agent-exited", exit });
    // Otherwise we are stopping it.
  }

  private onLinkClosed(link: AgentLink, reason: string): void {
    if (link !== this.held.link) return;
    const { state } = this.lifecycle;
    if (state === "switching-mode" || state === "greeting") {
      this.startFailed(new StartFailure("agent_failed", `the agent failed: ${reason}`));
    } else if (state === "ready") {
      // An agent that drops its connection but keeps running (a Python worker whose job crashed) is of
      // no more use: end the session with its last output rather than leave a dead one "running".
      // If it is exiting, its exit (code, output) is the better reason: give it a moment.
      const exited = this.held.agent?.exited ?? Promise.resolve();
      void Promise.race([exited, Bun.sleep(HANGUP_GRACE_MS)]).then(() => {
        if (this.lifecycle.state === "ready" && link === this.held.link)
          this.stop({ kind: "agent-hung-up", reason });
      });
    }
  }

  /** Begins stopping (the first cause wins); the process exits when all is released and answered. */
  private stop(cause: StopCause): void {
    if (this.plan) return;
    // A restart's start-up is not the session's: stopping then is an ordinary end.
    const plan = planStop(cause, isStarting(this.lifecycle.state) && !this.restarting);
    this.plan = plan;
    if (this.ctx) this.summary = endSummary(this.ctx, this.pastRuns);
    this.idle.stop();
    this.lifecycle.to("stopping", plan.why);
    this.current.cancel.abort(new Error(plan.why));
    const output = plan.withOutput ? this.held.output?.tail(25) : undefined;
    this.current.session.stop(plan.turns.code, plan.turns.error, output, plan.turns.listenError);
    void this.release(plan);
  }

  private async release(plan: StopPlan): Promise<void> {
    const record =
      plan.leavesRecord && this.ctx
        ? {
            version: 1 as const,
            endedAt: new Date().toISOString(),
            why: plan.recordWhy ?? plan.why,
            agentLog: this.agentLog,
            // Not for an idle end: nothing went wrong.
            lastLines: plan.withOutput ? (this.held.output?.tail(15) ?? []) : [],
            relaunch: relaunchOf(this.ctx.state),
          }
        : undefined;
    // Kept by us: releasing forgets it, and its last lines are read once the agent is stopped.
    const output = this.held.output;
    // An agent stopping in the background (a failed restart's) must be gone too.
    await this.releasing;
    // The agent still held is the current run's (none while it is down: its run was ended then).
    const end = { run: this.current.number, why: plan.why };
    await release(this.held, plan.keepLogs, record, plan.keepLogs || plan.keepAgentLog === true, end);
    log(`daemon stopped (${this.lastAgent?.describeExit() ?? "no agent was started"})`);
    const failure = plan.startFailure;
    if (failure) {
      this.current.report(
        failure.detail
          ? { ok: false, code: failure.code, error: failure.message, detail: failure.detail }
          : {
              ok: false,
              code: failure.code,
              error: failure.message,
              detail: output?.tail(25) ?? [],
              agentLog: this.agentLog,
            },
      );
    }
    if (this.restarting) {
      refuse(this.restarting, {
        code: plan.turns.code,
        error: `the agent was not restarted: the session ended (${plan.recordWhy ?? plan.why})`,
      });
    }
    for (const [, channel] of this.early.splice(0)) refuse(channel, plan.refusal);
    for (const channel of this.enders.splice(0)) this.ended(channel);
    this.current.session.feed.end(plan.why);
    const flushed = Promise.all([this.held.port?.flushed(), this.reported]);
    await this.lifecycle.exitWhenFlushed(plan.exitCode, flushed);
  }

  /** An `end` got what it asked for: how the session went, as it was when stopping began. */
  private ended(channel: ControlChannel): void {
    const summary = this.summary ?? (this.ctx && endSummary(this.ctx, this.pastRuns));
    if (summary) channel.send({ t: "done", ok: true, data: summary });
    else channel.send({ t: "done", ok: false, code: "ending", error: "the session never started" });
    channel.close();
  }

  // --- reporting how a start went -----------------------------------------------------------------

  /** To the waiting `start`, at once; the ready file when it cannot be reached. Exiting waits for it (`reported`). */
  private reportToStart(report: ReadyReport): void {
    // A start killed outright (a second Ctrl-C, kill -9) would never remove the file.
    if (!isAlive(this.spec.launcherPid)) return;
    const json = JSON.stringify(report);
    const { readySignal, readyFile } = this.spec;
    this.reported = (readySignal ? signalReady(readySignal, json) : Promise.resolve(false)).then((sent) => {
      if (!sent && isAlive(this.spec.launcherPid)) writeFileAtomic(readyFile, json);
    });
  }

  /** To a restart's client: its done reply. */
  private reportToRestart(channel: ControlChannel, report: ReadyReport, prepared: PreparedLaunch): void {
    this.restarting = undefined;
    if (!report.ok) {
      refuse(channel, {
        code: "agent_down",
        error: `could not restart the agent: ${report.error}`,
        detail: report.detail,
      });
      return;
    }
    const { plan, project } = prepared;
    const reply: DoneReply<"restart"> = {
      t: "done",
      ok: true,
      data: {
        daemonPid: report.daemonPid,
        agentPid: report.agentPid,
        greeting: report.greeting,
        agentLog: report.agentLog,
        ...(report.agentInfo ? { agentInfo: report.agentInfo } : {}),
        agent: launchedAgent(plan, project),
        env: shownEnv(this.overrides),
        ...(this.current.unreadBefore ? { unread: this.current.unreadBefore } : {}),
      },
    };
    channel.send(reply);
    channel.close();
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
