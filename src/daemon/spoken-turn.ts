// One turn of an audio session as our side of the wire sees it: the speech sent, what the agent
// heard and when, the agent's audio back, and the measurements `say` reports (AudioMeasures).

import { MIC_RATE } from "../audio/pcm.ts";
import type { AudioMeasures, InterruptedReply } from "../protocol/audio.ts";
import type { AudioFrame } from "./agent-link.ts";

export class SpokenTurn {
  /** Its first mic frame, its last frame of speech (where latencies count from), all sent (silence too). */
  startedAt: number | undefined;
  endOfSpeechAt: number | undefined;
  spoken = false;
  /** Its say is over (answered, failed or superseded). */
  done = false;
  /** Final transcripts the agent sent for this speech, and when the last one came. */
  readonly finals: string[] = [];
  lastFinalAt: number | undefined;
  /** The agent's user message for it (its transcript, as it committed the turn). */
  heard: string | undefined;
  /** The agent's first audio after the speech, and how much audio came (ms). */
  firstAudioAt: number | undefined;
  private receivedMs = 0;
  /** When the reply's playback was cleared (the user spoke over it), and how much of it had played. */
  private cut: { at: number; playedMs: number } | undefined;
  /** The agent's reply, once its message came (after playback, or cut by an interruption). */
  reply: { text: string; interrupted: boolean } | undefined;
  /** The next turn took over before this one went quiet (a barge-in). */
  superseded = false;
  /** The reply this turn spoke over, when it interrupted one. */
  interrupted: InterruptedReply | undefined;
  readonly playback = { flushes: 0, finished: 0, clears: 0 };
  /** The agent's frames, kept only when the turn's audio is to be saved. */
  readonly agentFrames: AudioFrame[] | undefined;

  constructor(
    /** Its number in the agent's run (the session's one turn count): names its WAV files. */
    readonly number: number,
    readonly text: string,
    /** 48 kHz mono, the TTS's output with the silence at either end trimmed. */
    readonly speech: Int16Array,
    /** The TTS wrote only silence: said when the agent then hears nothing. */
    readonly silentTts: boolean,
    keepFrames: boolean,
  ) {
    this.agentFrames = keepFrames ? [] : undefined;
  }

  get heardSomething(): boolean {
    return this.heard !== undefined || this.finals.length > 0;
  }

  /** What the agent heard: its user message, else what it transcribed. */
  get heardText(): string | undefined {
    return this.heard ?? (this.finals.length ? this.finals.join(" ") : undefined);
  }

  agentFrame(frame: AudioFrame, at: number): void {
    this.firstAudioAt ??= at;
    if (frame.sampleRate > 0) this.receivedMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
    this.agentFrames?.push(frame);
  }

  cleared(at: number, playedMs: number): void {
    this.cut ??= { at, playedMs };
  }

  /** How much of the agent's audio the caller heard: all of it, or until the clear. */
  get agentMs(): number {
    return this.cut ? Math.min(this.receivedMs, this.cut.playedMs) : this.receivedMs;
  }

  measures(): AudioMeasures {
    const eos = this.endOfSpeechAt;
    const since = (at: number | undefined) => (eos !== undefined && at !== undefined ? at - eos : undefined);
    const transcriptMs = since(this.lastFinalAt);
    const firstAudioMs = since(this.firstAudioAt);
    return {
      userMs: Math.round((this.speech.length * 1000) / MIC_RATE),
      ...(transcriptMs !== undefined ? { transcriptMs: Math.round(transcriptMs) } : {}),
      ...(firstAudioMs !== undefined ? { firstAudioMs: Math.round(firstAudioMs) } : {}),
      agentMs: Math.round(this.agentMs),
      playback: { ...this.playback },
    };
  }
}
