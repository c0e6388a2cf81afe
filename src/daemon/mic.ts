// The user's microphone in an audio session: speech streamed to the agent as 20 ms frames of 48 kHz
// mono s16le (the only format its input takes), paced at real time or N× faster, then silence. The
// silence is what ends the turn: the agent's VAD needs ~0.55 s of it, and a mic that just stops
// leaves the user "speaking" forever. One utterance at a time: a barge-in waits for the silence
// before it to be sent.

import { MIC_RATE } from "../audio/pcm.ts";
import type { AudioFrame } from "./agent-link.ts";
export const MIC_FRAME_MS = 20;
const FRAME_SAMPLES = (MIC_RATE * MIC_FRAME_MS) / 1000;

/** After the speech: enough for the VAD (0.55 s by default) and some to spare. */
export const TRAILING_SILENCE_MS = 1000;

export interface Utterance {
  /** When its first frame went out. */
  startedAt: number;
  /** When its last frame of speech went out: where the latencies are measured from. */
  endOfSpeechAt: number;
  /** When the last frame of silence went out. */
  endedAt: number;
}

export interface SpeakOptions {
  /** Times real time (1: real time). */
  speed: number;
  signal: AbortSignal;
  /** Called as the first frame is about to go out (an earlier utterance may have kept it waiting). */
  onStart?: (at: number) => void;
  /** Called as the last frame of speech has gone out. */
  onEndOfSpeech?: (at: number) => void;
}

export class Mic {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly send: (frame: AudioFrame) => void) {}

  /** Streams `speech` (48 kHz mono) and the trailing silence; resolves when all was sent (or stopped). */
  speak(speech: Int16Array, options: SpeakOptions): Promise<Utterance> {
    const run = this.last.then(() => this.stream(speech, options));
    this.last = run.catch(() => {});
    return run;
  }

  private async stream(
    speech: Int16Array,
    { speed, signal, onStart, onEndOfSpeech }: SpeakOptions,
  ): Promise<Utterance> {
    const speechFrames = Math.ceil(speech.length / FRAME_SAMPLES);
    const total = speechFrames + Math.ceil(TRAILING_SILENCE_MS / MIC_FRAME_MS);
    const frameMs = MIC_FRAME_MS / speed;
    const startedAt = Date.now();
    onStart?.(startedAt);
    let endOfSpeechAt = startedAt;
    if (speechFrames === 0) onEndOfSpeech?.(startedAt);
    for (let i = 0; i < total && !signal.aborted; i++) {
      const samples = new Int16Array(FRAME_SAMPLES);
      if (i < speechFrames) samples.set(speech.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
      this.send({
        data: new Uint8Array(samples.buffer),
        sampleRate: MIC_RATE,
        numChannels: 1,
        samplesPerChannel: FRAME_SAMPLES,
      });
      if (i === speechFrames - 1) {
        endOfSpeechAt = Date.now();
        onEndOfSpeech?.(endOfSpeechAt);
      }
      // Paced by the clock, not by the sleeps: their lateness does not add up.
      const waitMs = startedAt + (i + 1) * frameMs - Date.now();
      if (waitMs >= 1) await Bun.sleep(waitMs);
    }
    return { startedAt, endOfSpeechAt, endedAt: Date.now() };
  }
}
