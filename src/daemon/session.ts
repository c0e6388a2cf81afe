// The daemon's session: one agent, turns run one at a time in arrival order, and
// everything the agent says between turns kept for the next client.

import type { OutputLine } from "../agent/output.ts";
import type { SpokenTurnOptions } from "../protocol/audio.ts";
import type { ControlErrorCode, SayData } from "../protocol/control.ts";
import { type AgentStateName, type DeliveredEvent, isBusy } from "../protocol/events.ts";
import { type ModelUsage, usageSince } from "../protocol/usage.ts";
import type { AgentSessionEvent, SessionResponse } from "../wire/gen/livekit_agent_session.ts";
import { type AgentLink, RequestFailed } from "./agent-link.ts";
import { askAgentState } from "./agent-state.ts";
import type { AudioMode, SpokenOutcome, SpokenTurnRun } from "./audio-mode.ts";
import { Feed } from "./feed.ts";
import { ToolErrors, ToolNames, translateEvent, translateItem, translateUsage } from "./translate.ts";
import { isUserInput, Turn, type TurnSink } from "./turn.ts";
import { turnError } from "./turn-outcome.ts";
import { Wakeup } from "./wakeup.ts";

/** How a command ended: a failure always says why, with a code for the exit code. */
export type CommandResult =
  | { ok: true }
  | { ok: false; code: ControlErrorCode; error: string; detail?: string[] };

type StopReason = Extract<CommandResult, { ok: false }>;

/** How a turn ended: done (with what it measured), or a failure. */
export type TurnResult = { ok: true; data: SayData } | StopReason;

export interface TurnOptions {
  /** The agent's output lines of the turn (and those since the last turn, as earlier) as `log` events. */
  logs?: boolean;
  /** How to speak it (an audio session). */
  audio?: SpokenTurnOptions;
}

/** How waiting for a turn's response ended. */
type RaceOutcome =
  | { kind: "response"; response: SessionResponse }
  | { kind: "failed"; error: string }
  | { kind: "timeout" }
  | { kind: "stopped" };

interface QueuedTurn {
  text: string;
  timeoutMs: number;
  sink: TurnSink;
  options: TurnOptions;
  /** Aborted when the client leaves. */
  gone: AbortSignal;
  done: (result: TurnResult) => void;
  /** A barge-in (`say --interrupt-after`): its turn, already speaking over the one before, and how it ends. */
  prepared?: { turn: Turn; outcome: Promise<SpokenOutcome>; sentAt: number };
}

const CLIENT_LEFT: StopReason = {
  ok: false,
  code: "ending",
  error: "the client went away before its turn",
};

/** A turn waits at most this long for the agent to finish something it started on its own. */
const BUSY_WAIT_MAX_MS = 5000;

/** `listen` returns once the agent, having said something, stays quiet this long. */
const LISTEN_QUIET_MS = 300;

/** Output kept between turns; bounded so a runaway agent cannot grow the daemon without limit. */
export const MAX_UNSEEN = 5000;

/** The agent's log lines kept between turns, for the next `say --logs` (its earlier output). */
export const MAX_LOG_LINES_BETWEEN_TURNS = 100;

const NEVER_GONE = new AbortController().signal;

export class Session {
  link: AgentLink | undefined;
  agentState: AgentStateName = "initializing";
  /** The agent in charge: the one that started, then each handoff's. */
  activeAgent: string | undefined;
  turnsDone = 0;
  /**
   * Turns sent to the agent in this run (a failed one too), each numbered by it: 1 is the first. The
   * one count events' `turn`, the log's turn markers and the chat history's turns agree on.
   */
  turnsSent = 0;
  /** Told as each turn is sent, before the agent can write a line of it (run-log.ts marks its log). */
  onTurnSent?: (turn: number, text: string) => void;
  private readonly unseen: DeliveredEvent[] = [];
  /** Output pushed out of `unseen` since it was last taken, announced with what is left. */
  private dropped: { count: number; since: number; turn: number } | undefined;
  lastEventAt = 0;
  /** The agent said it was not speaking just before the first turn (which asks it): later turns need not. */
  private askedBeforeFirstTurn = false;
  /** When the agent acknowledged its mode, text or audio (update_io). */
  modeSetAt = 0;
  /** An audio session's mic, speaker and TTS (loaded for audio sessions only). */
  audio: AudioMode | undefined;
  /** Aborted when the session stops: what a spoken turn's waits watch. */
  private readonly stopping = new AbortController();
  /** Woken by every agent event and by stop: what the waits below (and the daemon's greeting wait) watch. */
  readonly activity = new Wakeup();
  private current: Turn | undefined;
  /** A barge-in's turn, speaking over the current one: the agent's events are its own from its user message on. */
  private interrupting: Turn | undefined;
  private readonly toolErrors = new ToolErrors();
  private readonly toolNames = new ToolNames();
  /** The session's cumulative usage, as the agent last reported it. */
  usage: ModelUsage[] | undefined;
  /** How many usage reports came: a turn's usage is counted only if one came during it. */
  private usageReports = 0;
  /** Log lines since the last turn, and whether the running turn wants its own. */
  private readonly logsBetweenTurns: DeliveredEvent[] = [];
  private currentWantsLogs = false;
  /** A `listen` client waiting for output the agent produces on its own. */
  private listener: ((event: DeliveredEvent) => void) | undefined;
  private readonly queue: QueuedTurn[] = [];
  private running = false;
  private stopReason: StopReason | undefined;
  /** What a waiting listen is told instead, when the stop's reason speaks of a turn. */
  private listenStopError: string | undefined;
  private readonly stopListeners = new Set<() => void>();

  constructor(
    private readonly maxUnseen = MAX_UNSEEN,
    /** Every event as it happens, for `events` clients (never consumed); a restart's session shares it. */
    readonly feed = new Feed(),
  ) {}

  attach(link: AgentLink): void {
    this.link = link;
    link.onEvent = (event) => this.onAgentEvent(event);
    this.audio?.attach(link);
  }

  onAgentEvent(event: AgentSessionEvent): void {
    this.lastEventAt = Date.now();
    if (this.audio?.observe(event) && this.interrupting) {
      // The interrupting turn's user message: the turn it spoke over is over.
      this.current = this.interrupting;
      this.interrupting = undefined;
    }
    if (event.event.oneofKind === "sessionUsageUpdated") {
      const usage = event.event.sessionUsageUpdated.usage;
      const models = usage ? translateUsage(usage) : [];
      this.usage = models.length ? models : undefined;
      this.usageReports++;
    }
    for (const keyed of translateEvent(event, this.toolErrors, this.toolNames)) {
      if (keyed.event.type === "state") this.agentState = keyed.event.agent;
      if (keyed.event.type === "user_state") {
        // Only the feed shows it: turns and kept output stay as they were.
        this.record({ ...keyed.event, at: Date.now(), turn: this.turnsSent });
      } else if (this.current) {
        // Recorded by the turn's sink, once it has dropped duplicates.
        this.current.deliver(keyed);
      } else if (isUserInput(keyed.event)) {
        // Outside a turn, a user message was not typed here: nothing to show or keep.
      } else {
        // Between turns: it follows the last one (0, before any: a greeting).
        const delivered: DeliveredEvent = { ...keyed.event, at: Date.now(), turn: this.turnsSent };
        this.record(delivered);
        if (this.listener && delivered.type !== "state") this.listener(delivered);
        else this.keep(delivered);
      }
    }
    this.activity.notify();
  }

  /** Every event once, as it happens: the feed, and who the active agent is. */
  record(event: DeliveredEvent): void {
    if (event.type === "handoff") this.activeAgent = event.to;
    this.feed.push(event);
  }

  /**
   * A line of the agent's output, the one way `log` events are made: recorded for the feed as it
   * comes, and into the running turn if it asked for logs, else kept for the next turn that does.
   */
  onAgentLog({ line, stream, at }: OutputLine): void {
    const event: DeliveredEvent = { type: "log", line, stream, at, turn: this.turnsSent };
    this.record(event);
    if (this.current) {
      if (this.currentWantsLogs) this.current.deliver({ event, keys: [] }, at);
      return;
    }
    this.logsBetweenTurns.push({ ...event, earlier: true });
    if (this.logsBetweenTurns.length > MAX_LOG_LINES_BETWEEN_TURNS) this.logsBetweenTurns.shift();
  }

  /** Keeps output for the next client (shown once, marked earlier). State changes are not kept. */
  keep(event: DeliveredEvent): void {
    if (event.type === "state") return;
    if (event.type === "dropped") {
      // A client left before seeing this notice: it joins the next one.
      this.countDropped(event.count, event.at ?? Date.now(), event.turn ?? this.turnsSent);
      return;
    }
    if (this.unseen.length >= this.maxUnseen) {
      const gone = this.unseen.shift();
      this.countDropped(1, Date.now(), gone?.turn ?? this.turnsSent);
    }
    this.unseen.push({ ...event, earlier: true });
  }

  /** Takes the output kept since the last turn (it is shown once), led by a notice of what was dropped. */
  takeUnseen(): DeliveredEvent[] {
    const kept = this.unseen.splice(0);
    const dropped = this.dropped;
    if (!dropped) return kept;
    this.dropped = undefined;
    return [
      { type: "dropped", count: dropped.count, earlier: true, at: dropped.since, turn: dropped.turn },
      ...kept,
    ];
  }

  get unseenCount(): number {
    return this.unseen.length;
  }

  get queueLength(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** Queues a turn; one whose client leaves (`gone`) before it runs is dropped from the queue at once. */
  say(
    text: string,
    timeoutMs: number,
    sink: TurnSink,
    gone = NEVER_GONE,
    options: TurnOptions = {},
  ): Promise<TurnResult> {
    if (this.stopReason) return Promise.resolve(this.stoppedResult());
    if (options.audio?.interruptAfterMs !== undefined)
      return this.sayOver(text, timeoutMs, sink, gone, options);
    return new Promise((resolve) => {
      const leave = () => {
        // A client that gave up while waiting (a harness timeout) must not have its turn, and the
        // agent's tools, run behind its back: it may well retry.
        const at = this.queue.indexOf(queued);
        if (at === -1) return;
        this.queue.splice(at, 1);
        done(CLIENT_LEFT);
      };
      const done = (result: TurnResult) => {
        gone.removeEventListener("abort", leave);
        resolve(result);
      };
      const queued: QueuedTurn = { text, timeoutMs, sink, options, gone, done };
      this.queue.push(queued);
      gone.addEventListener("abort", leave, { once: true });
      if (gone.aborted) leave();
      void this.pump();
    });
  }

  /**
   * Output the agent produces without a turn: what is already kept, else the next thing it says,
   * until it is done speaking. Fails with "nothing" when it stays silent for `timeoutMs`.
   */
  async listen(timeoutMs: number, sink: TurnSink, gone = NEVER_GONE): Promise<CommandResult> {
    if (this.stopReason) return this.stoppedResult("listen");
    if (this.listener)
      return { ok: false, code: "bad_request", error: "another listen is already waiting on this session" };
    let heard = 0;
    for (const event of this.takeUnseen()) {
      sink({ ...event, earlier: false });
      heard++;
    }
    this.listener = (event) => {
      heard++;
      this.lastEventAt = Date.now();
      sink(event);
    };
    try {
      const deadline = Date.now() + timeoutMs;
      // Until something is heard, wait for the deadline; after, until the agent is quiet and idle
      // (a chatty agent gets one more timeout's worth, no more).
      let heardBy = 0;
      for (;;) {
        if (this.stopReason) return this.stoppedResult("listen");
        if (gone.aborted) return { ok: false, code: "ending", error: "the client went away" };
        const now = Date.now();
        if (heard > 0 && heardBy === 0) heardBy = now + timeoutMs;
        const busy = isBusy(this.agentState);
        const quietAt = this.lastEventAt + LISTEN_QUIET_MS;
        if (heard > 0 && ((!busy && now >= quietAt) || now >= heardBy)) return { ok: true };
        if (heard === 0 && now >= deadline) {
          return {
            ok: false,
            code: "nothing",
            error: `the agent said nothing within ${formatSeconds(timeoutMs)}`,
          };
        }
        // Events and a leaving client wake us; otherwise only the clock can change the answer.
        const wakeAt = heard === 0 ? deadline : busy ? heardBy : Math.min(quietAt, heardBy);
        await this.activity.wait(wakeAt - now, gone);
      }
    } finally {
      this.listener = undefined;
    }
  }

  /** No more turns: fails the running and queued ones with this reason, a listen with `listenError` if given. */
  stop(code: ControlErrorCode, error: string, detail?: string[], listenError?: string): void {
    if (this.stopReason) return;
    this.stopReason = { ok: false, code, error, detail };
    this.listenStopError = listenError;
    this.stopping.abort();
    for (const queued of this.queue.splice(0)) queued.done({ ok: false, code, error, detail });
    for (const listener of this.stopListeners) listener();
    this.activity.notify();
  }

  private countDropped(count: number, at: number, turn: number): void {
    const first = this.dropped ?? { count: 0, since: at, turn };
    this.dropped = { ...first, count: first.count + count };
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift())
        next.done(await this.runTurn(next));
    } finally {
      this.running = false;
    }
  }

  private async runTurn(q: QueuedTurn): Promise<TurnResult> {
    const link = this.link;
    if (this.stopReason) return this.stoppedResult();
    if (!link || link.closed) return { ok: false, code: "agent_exited", error: "the agent is not connected" };
    if (q.prepared) return this.runPrepared(q, q.prepared);
    // From here a barge-in may wait for this turn to play (it is readied first).
    const endAudio = this.audio?.begin();
    try {
      return await this.runQueuedTurn(q, link);
    } finally {
      endAudio?.();
    }
  }

  /** A turn from the queue: once the agent is quiet, typed (run_input) or spoken (an audio session). */
  private async runQueuedTurn(q: QueuedTurn, link: AgentLink): Promise<TurnResult> {
    // The agent may be mid-utterance on its own (a greeting), or about to start one just after text
    // mode came on: a turn sent now would cancel it without a trace.
    await this.agentSettles(link, Date.now() + BUSY_WAIT_MAX_MS);
    if (this.stopReason) return this.stoppedResult();
    // It may have left while the agent finished speaking: then nothing of its turn may run.
    if (q.gone.aborted) return CLIENT_LEFT;
    // What the turn shows is recorded for the feed, but for the kept output and log lines: those
    // were recorded when they came.
    let replaying = true;
    // Numbered now (its earlier output belongs to the turn before), counted as sent just below.
    const turn = new Turn(
      q.text,
      ++this.turnsSent,
      (event) => {
        if (!replaying && event.type !== "log") this.record(event);
        q.sink(event);
      },
      this.audio !== undefined,
    );
    for (const earlier of this.earlierOutput(q.options.logs === true)) turn.emitKept(earlier);
    replaying = false;
    this.current = turn;
    this.currentWantsLogs = q.options.logs === true;
    const usageBefore = this.usage;
    const reportsBefore = this.usageReports;
    const sentAt = Date.now();
    // Typed or spoken, its log's turn marker comes first.
    this.onTurnSent?.(turn.number, q.text);
    if (this.audio) {
      try {
        const run = this.spokenRun(turn.number, q.options, sentAt, q.timeoutMs);
        return this.spokenResult(await this.audio.turn(q.text, run), sentAt, usageBefore, reportsBefore);
      } finally {
        turn.sortOut({ inputSeen: false });
        if (this.current === turn) this.current = undefined;
        this.currentWantsLogs = false;
      }
    }
    const request = link.request({ oneofKind: "runInput", runInput: { text: q.text } });
    try {
      const outcome = await this.race(request.response, q.timeoutMs);
      if (outcome.kind === "stopped") return this.stoppedResult();
      if (outcome.kind === "failed") return { ok: false, code: "agent_error", error: outcome.error };
      if (outcome.kind === "timeout") {
        link.forget(request.id);
        return {
          ok: false,
          code: "timeout",
          error: `the agent did not finish the turn within ${formatSeconds(q.timeoutMs)} (raise it with --timeout)`,
        };
      }
      const response = outcome.response;
      const items =
        response.response.oneofKind === "runInput"
          ? response.response.runInput.items.flatMap((item) => translateItem(item, { includeUser: false }))
          : [];
      await turn.settle(items);
      this.turnsDone++;
      const error = turnError(response.error, turn.events);
      if (error) return { ok: false, code: "agent_error", error: `agent error: ${error}` };
      const data: SayData = { turnMs: Date.now() - sentAt };
      const usage = this.usageReports > reportsBefore && usageSince(this.usage ?? [], usageBefore);
      if (usage) data.usage = usage;
      return { ok: true, data };
    } catch (error) {
      // The link closed under the request: the agent went away mid-turn.
      return this.stopReason
        ? this.stoppedResult()
        : { ok: false, code: "agent_exited", error: (error as Error).message };
    } finally {
      // A turn that ends without the agent's answer (a timeout, an exit) still shows what it got.
      turn.sortOut({ inputSeen: false });
      this.current = undefined;
      this.currentWantsLogs = false;
    }
  }

  /**
   * Until the agent is not speaking on its own (its state events say), at most until `settleBy`.
   * Before the first turn it is also asked (get_session_state): a greeting it started since start
   * asked is under way by its answer, though its events may not have come yet.
   */
  private async agentSettles(link: AgentLink, settleBy: number): Promise<void> {
    const wait = () => this.activity.wait(settleBy - Date.now());
    for (;;) {
      if (this.stopReason || Date.now() >= settleBy) return;
      if (isBusy(this.agentState)) {
        await wait();
        continue;
      }
      if (this.askedBeforeFirstTurn) return;
      const answer = await askAgentState(link);
      if (answer === undefined || (!isBusy(answer) && !isBusy(this.agentState))) {
        this.askedBeforeFirstTurn = true;
        return;
      }
      if (!isBusy(this.agentState)) await wait();
    }
  }

  // --- spoken turns (an audio session) --------------------------------------------------------

  /** What a spoken turn is played with: its options, its deadline, the session's stop. */
  private spokenRun(turn: number, options: TurnOptions, sentAt: number, timeoutMs: number): SpokenTurnRun {
    return {
      turn,
      options: options.audio ?? {},
      deadline: sentAt + timeoutMs,
      timeoutMs,
      stopped: this.stopping.signal,
    };
  }

  /** A spoken turn's outcome as the turn's result: with its time and usage when it went well. */
  private spokenResult(
    outcome: SpokenOutcome,
    sentAt: number,
    usageBefore: ModelUsage[] | undefined,
    reportsBefore: number,
  ): TurnResult {
    if (this.stopReason) return this.stoppedResult();
    if (!outcome.ok) return outcome;
    this.turnsDone++;
    const data: SayData = { turnMs: Date.now() - sentAt, ...outcome.data };
    const usage = this.usageReports > reportsBefore && usageSince(this.usage ?? [], usageBefore);
    if (usage) data.usage = usage;
    return { ok: true, data };
  }

  /**
   * `say --interrupt-after`: not queued behind the running turn but spoken over its reply. Its
   * turn is made now, and waits at the head of the queue; the agent's events become its own with
   * its user message (the running turn then ends with its reply cut short).
   */
  private sayOver(
    text: string,
    timeoutMs: number,
    sink: TurnSink,
    gone: AbortSignal,
    options: TurnOptions,
  ): Promise<TurnResult> {
    const audio = this.audio;
    if (!audio)
      return Promise.resolve({
        ok: false,
        code: "bad_request",
        error: "--interrupt-after needs an audio session",
      });
    const refusal = audio.refuseInterrupt();
    if (refusal) return Promise.resolve({ ok: false, code: "bad_request", error: refusal });
    const sentAt = Date.now();
    // Numbered now, the turn after the one it speaks over; its log's turn marker too.
    const turn = new Turn(
      text,
      ++this.turnsSent,
      (event) => {
        if (event.type !== "log") this.record(event);
        sink(event);
      },
      true,
    );
    this.onTurnSent?.(turn.number, text);
    const outcome = audio.interrupt(text, this.spokenRun(turn.number, options, sentAt, timeoutMs), gone);
    this.interrupting = turn;
    return new Promise((resolve) => {
      const queued: QueuedTurn = {
        text,
        timeoutMs,
        sink,
        options,
        gone,
        done: resolve,
        prepared: { turn, outcome, sentAt },
      };
      this.queue.unshift(queued);
      // One that fails before its turn comes (not heard, its client gone) need not wait for it.
      void outcome.then((r) => {
        const at = this.queue.indexOf(queued);
        if (r.ok || at === -1) return;
        this.queue.splice(at, 1);
        if (this.interrupting === turn) this.interrupting = undefined;
        turn.sortOut({ inputSeen: false });
        resolve(r);
      });
      void this.pump();
    });
  }

  /** A barge-in's turn, when the turn it spoke over is done: it is the current one until it ends. */
  private async runPrepared(
    q: QueuedTurn,
    prepared: NonNullable<QueuedTurn["prepared"]>,
  ): Promise<TurnResult> {
    if (this.interrupting === prepared.turn) {
      // The turn before ended on its own (its reply played out before the agent heard this one).
      this.current = prepared.turn;
      this.interrupting = undefined;
    }
    this.currentWantsLogs = q.options.logs === true;
    const usageBefore = this.usage;
    const reportsBefore = this.usageReports;
    try {
      return this.spokenResult(await prepared.outcome, prepared.sentAt, usageBefore, reportsBefore);
    } finally {
      prepared.turn.sortOut({ inputSeen: false });
      if (this.current === prepared.turn) this.current = undefined;
      this.currentWantsLogs = false;
    }
  }

  /** What came since the last turn, in the order it came: kept output, and log lines if asked for. */
  private earlierOutput(withLogs: boolean): DeliveredEvent[] {
    const kept = this.takeUnseen();
    const logs = this.logsBetweenTurns.splice(0);
    if (!withLogs || logs.length === 0) return kept;
    // A dropped notice leads; the rest by arrival (a stable sort keeps equal times in order).
    const notice = kept.filter((e) => e.type === "dropped");
    const rest = [...kept.filter((e) => e.type !== "dropped"), ...logs].sort(
      (a, b) => (a.at ?? 0) - (b.at ?? 0),
    );
    return [...notice, ...rest];
  }

  private stoppedResult(waiting: "turn" | "listen" = "turn"): StopReason {
    const reason = this.stopReason ?? { ok: false, code: "ending", error: "the session is ending" };
    return waiting === "listen" && this.listenStopError ? { ...reason, error: this.listenStopError } : reason;
  }

  private race(response: Promise<SessionResponse>, timeoutMs: number): Promise<RaceOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
      const onStop = () => finish({ kind: "stopped" });
      this.stopListeners.add(onStop);
      const finish = (value: RaceOutcome) => {
        clearTimeout(timer);
        this.stopListeners.delete(onStop);
        resolve(value);
      };
      response.then(
        (r) => finish({ kind: "response", response: r }),
        (error: Error) => {
          if (error instanceof RequestFailed) return finish({ kind: "failed", error: error.message });
          // The connection dropped: the agent is probably exiting. Give the daemon a moment to
          // learn how (exit code, output) so the reason shown is the real one.
          if (this.stopReason) return finish({ kind: "stopped" });
          setTimeout(
            () => this.stop("agent_exited", "the agent closed its connection during the turn"),
            1500,
          );
        },
      );
    });
  }
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
