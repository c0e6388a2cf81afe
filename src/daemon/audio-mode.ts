// The audio mode of a session (`start --audio`): each turn is synthesised by the local TTS and
// spoken into the agent's microphone, and the agent's speech is played on a simulated speaker.
// Loaded with import() by audio sessions only: a text session never parses this file, its TTS or
// its WAV code. What it knows of the wire is in ../../shared/reference/audio-mode.md.

import { closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MIC_RATE, silence, toMic, trimSilence } from "../audio/pcm.ts";
import { resolveTts, synthesize, type TtsChoice } from "../audio/tts.ts";
import { encodeWav } from "../audio/wav.ts";
import type { AudioSettings, SavedAudio, SpokenTurnOptions } from "../protocol/audio.ts";
import type { ControlErrorCode, SayData } from "../protocol/control.ts";
import { type AgentStateName, isBusy } from "../protocol/events.ts";
import { openNoFollow } from "../safe-files.ts";
import type { AgentSessionEvent } from "../wire/gen/livekit_agent_session.ts";
import { wireMessages } from "../wire/messages.ts";
import type { AgentLink } from "./agent-link.ts";
import { Mic, TRAILING_SILENCE_MS } from "./mic.ts";
import { Playback } from "./playback.ts";
import { SpokenTurn } from "./spoken-turn.ts";
import type { Wakeup } from "./wakeup.ts";

/** Mic frames that arrive before the session first reads its input are dropped: this long after update_io. */
const INPUT_SETTLE_MS = 1000;
/** No final transcript this long after the end of the speech: the agent did not hear it. */
export const HEARD_WAIT_MS = 5000;
/** After the reply, the agent listening and its speech played: quiet this long, and the turn is over. */
const QUIET_AFTER_REPLY_MS = 250;
/** Heard, and the agent neither thinks nor speaks for this long: a turn it does not answer (silent). */
const QUIET_WHEN_SILENT_MS = 1500;

/** What the audio mode needs of its session. */
export interface AudioHost {
  /** Woken by every agent event (and by stop). */
  readonly activity: Wakeup;
  agentState(): AgentStateName;
  lastEventAt(): number;
  /** The agent's last output lines: what its VAD and STT said of a turn it did not hear. */
  agentOutput(): string[];
}

/** How a spoken turn ended: what `say` adds to its data, or why it failed. */
export type SpokenOutcome =
  | { ok: true; data: Omit<SayData, "turnMs" | "usage"> }
  | { ok: false; code: ControlErrorCode; error: string; detail?: string[] };

/** What a turn is waited for with: its options, its deadline, and the session's stop. */
export interface SpokenTurnRun {
  /** The turn's number in the agent's run (Session.turnsSent): its events' `turn`, its WAV files' N. */
  turn: number;
  options: SpokenTurnOptions;
  /** Date.now() past which the turn has timed out (--timeout). */
  deadline: number;
  timeoutMs: number;
  /** Aborted when the session stops. */
  stopped: AbortSignal;
}

export class AudioMode {
  private mic: Mic | undefined;
  private playback: Playback | undefined;
  /** When the agent reads its mic: set once it acknowledged audio (update_io). */
  private readyAt = Number.POSITIVE_INFINITY;
  /** The turn whose speech the agent hears (until its user message), and the one it answers. */
  private hearing: SpokenTurn | undefined;
  private answering: SpokenTurn | undefined;
  /** The turn being played now (what an interrupting turn speaks over). */
  private inPlay: SpokenTurn | undefined;
  /** Turns the session has begun but not yet played (waiting for quiet, being synthesised). */
  private starting = 0;
  /** A turn waits to speak over the one in play (one at a time). */
  private interrupting = false;
  /** The last flush, finished or clear: the speaker counts as activity for the quiet wait. */
  private lastPlaybackAt = 0;

  private constructor(
    readonly settings: AudioSettings,
    private readonly tts: TtsChoice,
    private readonly host: AudioHost,
  ) {}

  /** Finds the TTS the session speaks with (throws TtsMissingError saying what to install). */
  static create(settings: AudioSettings, host: AudioHost): AudioMode {
    const tts = resolveTts({ command: settings.ttsCommand, voice: settings.voice });
    return new AudioMode(settings, tts, host);
  }

  /** Before the link's first frame is handled: a greeting's speech must find the speaker. */
  attach(link: AgentLink): void {
    this.mic = new Mic((frame) => link.micFrame(frame));
    // Each flush and finished counts for the turn whose reply it is; a clear cuts the one answered.
    const count = (what: keyof SpokenTurn["playback"], turn = this.replyingTo) => {
      if (turn) turn.playback[what]++;
    };
    const playback = new Playback(
      () => {
        count("finished");
        link.playbackFinished();
      },
      this.settings.fastPlayback,
      {
        frame: (frame, at) => this.replyingTo?.agentFrame(frame, at),
        cleared: (at, playedMs) => this.answering?.cleared(at, playedMs),
        changed: () => {
          this.lastPlaybackAt = Date.now();
          this.host.activity.notify();
        },
      },
    );
    this.playback = playback;
    link.audioOutput = {
      frame: (frame) => playback.frame(frame),
      flush: () => {
        count("flushes");
        playback.flush();
      },
      clear: () => {
        count("clears", this.answering);
        playback.clear();
      },
    };
    void link.whenClosed.then(() => playback.dispose());
  }

  /**
   * Whose reply the agent's speech is: the turn it answers, or the one it has just transcribed if it
   * speaks before committing it (preemptive generation can).
   */
  private get replyingTo(): SpokenTurn | undefined {
    const heard = this.hearing;
    if (heard && heard !== this.answering && heard.heard === undefined && heard.finals.length > 0)
      return heard;
    return this.answering;
  }

  /** The agent acknowledged audio in and out: it reads its mic from about a second later. */
  inputOn(at: number): void {
    this.readyAt = at + INPUT_SETTLE_MS;
  }

  /** When the agent reads its mic (infinity until it acknowledged audio). */
  get inputReadyAt(): number {
    return this.readyAt;
  }

  /** The agent's speech is not all played yet: it is still speaking. */
  get speaking(): boolean {
    return this.playback?.pending ?? false;
  }

  /**
   * Every agent event, before the session routes it. True when it is the user message of an
   * interrupting turn: from it on, the agent's events are that turn's.
   */
  observe(event: AgentSessionEvent): boolean {
    const e = event.event;
    if (e.oneofKind === "userInputTranscribed") {
      const { transcript, isFinal } = e.userInputTranscribed;
      const turn = this.hearing;
      if (isFinal && turn && transcript.trim() !== "") {
        turn.finals.push(transcript.trim());
        turn.lastFinalAt = Date.now();
      }
      return false;
    }
    if (e.oneofKind !== "conversationItemAdded") return false;
    const item = e.conversationItemAdded.item?.item;
    if (item?.oneofKind !== "message") return false;
    const m = item.message;
    const { ChatRole } = wireMessages();
    const text = m.content
      .map((c) => (c.payload.oneofKind === "text" ? c.payload.text : ""))
      .join("")
      .trim();
    if (m.role === ChatRole.ASSISTANT && this.answering) {
      this.answering.reply = { text, interrupted: m.interrupted };
      return false;
    }
    if (m.role !== ChatRole.USER) return false;
    // The turn last spoken (the agent may commit one utterance in parts, at its pauses).
    const turn = this.hearing;
    if (!turn) return false;
    turn.heard = turn.heard === undefined ? text : `${turn.heard} ${text}`;
    const before = this.answering;
    this.answering = turn;
    if (!before || before === turn || before.done) return false;
    // A barge-in: the reply it cut has come (interrupted); the turn before is over.
    before.superseded = true;
    turn.interrupted = {
      ...(before.reply?.text ? { text: before.reply.text } : {}),
      afterMs: Math.max(0, Math.round((turn.startedAt ?? 0) - (before.firstAudioAt ?? 0))),
    };
    this.host.activity.notify();
    return true;
  }

  /**
   * The session begins a spoken turn (it may wait for quiet and be synthesised before it plays): a
   * barge-in may wait for it. Call the returned function when the turn is over.
   */
  begin(): () => void {
    this.starting++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.starting--;
      this.host.activity.notify();
    };
  }

  /** Can a turn interrupt now? Undefined when it can, else why not. */
  refuseInterrupt(): string | undefined {
    if (!this.inPlay && this.starting === 0)
      return "nothing to interrupt: no turn is running (--interrupt-after speaks over the reply of a say still running, e.g. one started with `&`)";
    if (this.interrupting) return "another turn is already waiting to interrupt this one";
    return undefined;
  }

  /** An ordinary spoken turn: synthesised, spoken once the agent reads its mic and is quiet, answered. */
  async turn(text: string, run: SpokenTurnRun): Promise<SpokenOutcome> {
    const turn = await this.prepare(text, run);
    if (!(turn instanceof SpokenTurn)) return turn;
    this.inPlay = turn;
    try {
      const waited = await this.untilQuiet(run);
      if (waited) return waited;
      await this.speak(turn, run);
      return await this.outcome(turn, run);
    } finally {
      turn.done = true;
      if (this.inPlay === turn) this.inPlay = undefined;
    }
  }

  /**
   * Barge-in: speaks `text` `interruptAfterMs` after the first audio of the reply to the turn being
   * played (at once if that is past; as an ordinary turn if that one ends first), then waits as
   * `turn`. `gone`: its client left before it spoke; then it never speaks.
   */
  interrupt(text: string, run: SpokenTurnRun, gone: AbortSignal): Promise<SpokenOutcome> {
    // Claimed now: a second one is refused even while this one is synthesised.
    this.interrupting = true;
    return this.speakOver(text, run, gone).finally(() => {
      this.interrupting = false;
    });
  }

  private async speakOver(text: string, run: SpokenTurnRun, gone: AbortSignal): Promise<SpokenOutcome> {
    const turn = await this.prepare(text, run);
    if (!(turn instanceof SpokenTurn)) return turn;
    try {
      for (;;) {
        if (run.stopped.aborted) return stoppedOutcome();
        if (gone.aborted) return { ok: false, code: "ending", error: "the client went away before its turn" };
        const now = Date.now();
        if (now >= run.deadline) return timedOut(run.timeoutMs);
        // The turn ahead, once it plays; while it is still being readied, wait for it.
        const target = this.inPlay;
        if (!target && this.starting === 0) break;
        if (target?.done) break;
        const first = target?.firstAudioAt;
        const startAt = first === undefined ? undefined : first + (run.options.interruptAfterMs ?? 0);
        if (startAt !== undefined && now >= startAt) break;
        await this.host.activity.wait((startAt ?? run.deadline) - now, run.stopped);
      }
      this.inPlay = turn;
      await this.speak(turn, run);
      return await this.outcome(turn, run);
    } finally {
      turn.done = true;
      if (this.inPlay === turn) this.inPlay = undefined;
    }
  }

  /** The turn's speech from the TTS (48 kHz mono, its silent ends trimmed), or why there is none. */
  private async prepare(text: string, run: SpokenTurnRun): Promise<SpokenTurn | SpokenOutcome> {
    let mic: Int16Array;
    try {
      mic = toMic(await synthesize(this.tts, text, { signal: run.stopped }));
    } catch (error) {
      if (run.stopped.aborted) return stoppedOutcome();
      // Its message ends with the TTS's last line of stderr.
      return { ok: false, code: "tts_failed", error: (error as Error).message };
    }
    const trimmed = trimSilence(mic);
    // All silence: sent as it is, and the agent will say whether it heard anything.
    const speech = trimmed.length ? trimmed : mic;
    const keepFrames = run.options.saveAudioDir !== undefined;
    return new SpokenTurn(run.turn, text, speech, trimmed.length === 0, keepFrames);
  }

  // --- the steps of a turn ----------------------------------------------------------------------

  /** Until the agent reads its mic and neither thinks nor speaks (a greeting, a late reply). */
  private async untilQuiet(run: SpokenTurnRun): Promise<SpokenOutcome | undefined> {
    for (;;) {
      if (run.stopped.aborted) return stoppedOutcome();
      const now = Date.now();
      if (now >= run.deadline) return timedOut(run.timeoutMs);
      const busy = isBusy(this.host.agentState()) || this.speaking;
      if (!busy && now >= this.readyAt) return undefined;
      const wakeAt = busy ? run.deadline : Math.min(this.readyAt, run.deadline);
      await this.host.activity.wait(wakeAt - now, run.stopped);
    }
  }

  private async speak(turn: SpokenTurn, run: SpokenTurnRun): Promise<void> {
    const mic = this.mic;
    if (!mic) throw new Error("the agent is not connected");
    await mic.speak(turn.speech, {
      speed: run.options.speed ?? 1,
      signal: run.stopped,
      onStart: (at) => {
        // What the agent transcribes from here on is this turn's.
        this.hearing = turn;
        turn.startedAt = at;
      },
      onEndOfSpeech: (at) => {
        turn.endOfSpeechAt = at;
      },
    });
    turn.spoken = true;
    this.host.activity.notify();
  }

  /** Heard, answered and quiet; or superseded by a barge-in; or not heard, timed out, stopped. */
  private async outcome(turn: SpokenTurn, run: SpokenTurnRun): Promise<SpokenOutcome> {
    const eos = turn.endOfSpeechAt ?? Date.now();
    for (;;) {
      if (run.stopped.aborted) return stoppedOutcome();
      const now = Date.now();
      if (turn.superseded) break;
      if (turn.heard === undefined) {
        if (!turn.heardSomething && now >= eos + HEARD_WAIT_MS)
          return notHeard(turn, this.host.agentOutput());
        if (now >= run.deadline) return timedOut(run.timeoutMs);
        const wakeAt = turn.heardSomething ? run.deadline : Math.min(eos + HEARD_WAIT_MS, run.deadline);
        await this.host.activity.wait(wakeAt - now, run.stopped);
        continue;
      }
      const busy = isBusy(this.host.agentState()) || this.speaking;
      const quietFor = turn.reply ? QUIET_AFTER_REPLY_MS : QUIET_WHEN_SILENT_MS;
      const quietAt = Math.max(this.host.lastEventAt(), this.lastPlaybackAt) + quietFor;
      if (!busy && now >= quietAt) break;
      if (now >= run.deadline) return timedOut(run.timeoutMs);
      await this.host.activity.wait(
        (busy ? run.deadline : Math.min(quietAt, run.deadline)) - now,
        run.stopped,
      );
    }
    const data: Extract<SpokenOutcome, { ok: true }>["data"] = {
      ...(turn.heardText !== undefined ? { heard: turn.heardText } : {}),
      audio: turn.measures(),
      ...(turn.interrupted ? { interrupted: turn.interrupted } : {}),
    };
    const dir = run.options.saveAudioDir;
    if (!dir) return { ok: true, data };
    try {
      return { ok: true, data: { ...data, savedAudio: saveAudio(turn, dir) } };
    } catch (error) {
      return {
        ok: false,
        code: "bad_request",
        error: `could not save the turn's audio in ${dir}: ${(error as Error).message}`,
      };
    }
  }
}

function stoppedOutcome(): SpokenOutcome {
  return { ok: false, code: "ending", error: "the session is ending" };
}

function timedOut(timeoutMs: number): SpokenOutcome {
  return {
    ok: false,
    code: "timeout",
    error: `the agent did not finish the turn within ${formatSeconds(timeoutMs)} (raise it with --timeout)`,
  };
}

/** With the agent's last lines: what its VAD and STT made of it. */
function notHeard(turn: SpokenTurn, output: string[]): SpokenOutcome {
  const why = turn.silentTts
    ? "the TTS wrote only silence"
    : "check its VAD/STT; try --speed 1 or a clearer --voice";
  return {
    ok: false,
    code: "not_heard",
    error: `the agent did not hear anything: no transcript within ${HEARD_WAIT_MS / 1000} s of the end of speech (${why})`,
    ...(output.length ? { detail: output } : {}),
  };
}

/** turn-N-user.wav (the speech and its trailing silence, as sent) and turn-N-agent.wav (as played). */
function saveAudio(turn: SpokenTurn, dir: string): SavedAudio {
  const user = new Int16Array(turn.speech.length + silence(TRAILING_SILENCE_MS).length);
  user.set(turn.speech);
  const frames = (turn.agentFrames ?? []).map((f) =>
    toMic({
      sampleRate: f.sampleRate,
      channels: Math.max(1, f.numChannels),
      samples: new Int16Array(
        f.data.buffer.slice(f.data.byteOffset, f.data.byteOffset + (f.data.byteLength & ~1)),
      ),
    }),
  );
  const all = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  // An interrupted reply: what had played when it was cut.
  const agent = all.subarray(0, Math.min(all.length, Math.round((turn.agentMs * MIC_RATE) / 1000)));
  const paths = {
    user: join(dir, `turn-${turn.number}-user.wav`),
    agent: join(dir, `turn-${turn.number}-agent.wav`),
  };
  writeBytes(paths.user, encodeWav({ sampleRate: MIC_RATE, channels: 1, samples: user }));
  writeBytes(paths.agent, encodeWav({ sampleRate: MIC_RATE, channels: 1, samples: agent }));
  return paths;
}

/** A file of the user's own folder, replaced whole; a link there is refused, never followed. */
function writeBytes(path: string, bytes: Uint8Array): void {
  const fd = openNoFollow(path, "truncate", 0o644);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
