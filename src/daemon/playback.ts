// The speaker of an audio session, simulated: the agent's speech arrives far faster than it plays
// (a 3 s reply in ~50 ms), and after each segment the agent sends audio_playback_flush and waits for
// audio_playback_finished. Without that answer it stays "speaking" forever, and its reply never
// reaches the chat history. So every flush is answered once its segment has played (its duration
// since its first frame, after the segments before it), or at once with fast playback; a clear (the
// user interrupted) drops what is pending, so that no late answer ends the next reply early.
// The daemon owns it: no client, gone or not, has a say in it.

import type { AudioFrame, AudioOutput } from "./agent-link.ts";

/** What the rest of the audio mode learns from the speaker. */
export interface PlaybackListener {
  /** A frame of the agent's speech, as it came. */
  frame(frame: AudioFrame, at: number): void;
  /** Playback was cleared `at`; `playedMs`: how long the segment it cut had played. */
  cleared(at: number, playedMs: number): void;
  /** Anything changed (a flush, a finished, a clear): waits that look at `pending` wake. */
  changed(): void;
}

interface Segment {
  /** When it starts to play: its first frame, or when the one before it ends. */
  startsAt: number;
  durationMs: number;
}

export class Playback implements AudioOutput {
  /** The segment being received (its frames so far), until its flush. */
  private receiving: Segment | undefined;
  /** Flushed segments not yet acknowledged, oldest first: the first one's timer is running. */
  private readonly queued: Segment[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly counts = { flushes: 0, finished: 0, clears: 0 };

  constructor(
    /** Sends audio_playback_finished. */
    private readonly finished: () => void,
    private readonly fast: boolean,
    private readonly listener: PlaybackListener,
    private readonly now: () => number = Date.now,
  ) {}

  /** Some speech is received or flushed but not yet acknowledged: the agent is still speaking. */
  get pending(): boolean {
    return this.receiving !== undefined || this.queued.length > 0;
  }

  frame(frame: AudioFrame): void {
    const at = this.now();
    if (!this.receiving) this.receiving = { startsAt: Math.max(at, this.endOfQueue()), durationMs: 0 };
    if (frame.sampleRate > 0)
      this.receiving.durationMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
    this.listener.frame(frame, at);
  }

  flush(): void {
    this.counts.flushes++;
    // A flush with no frames before it (an empty segment) still needs its answer.
    const segment = this.receiving ?? { startsAt: Math.max(this.now(), this.endOfQueue()), durationMs: 0 };
    this.receiving = undefined;
    this.queued.push(segment);
    if (this.queued.length === 1) this.schedule();
    this.listener.changed();
  }

  clear(): void {
    this.counts.clears++;
    const at = this.now();
    const cut = this.queued[0] ?? this.receiving;
    const playedMs = cut ? Math.min(cut.durationMs, Math.max(0, at - cut.startsAt)) : 0;
    this.cancel();
    this.listener.cleared(at, playedMs);
    this.listener.changed();
  }

  /** The agent is gone: nothing more is owed to it. */
  dispose(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queued.length = 0;
    this.receiving = undefined;
  }

  /** The first queued segment's answer, due when it has played. */
  private schedule(): void {
    const head = this.queued[0];
    if (!head) return;
    const waitMs = this.fast ? 0 : Math.max(0, head.startsAt + head.durationMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.queued.shift();
      this.counts.finished++;
      this.finished();
      this.schedule();
      this.listener.changed();
    }, waitMs);
  }

  /** When what is queued (and received) has played: the next segment plays after it. */
  private endOfQueue(): number {
    let end = 0;
    for (const s of [...this.queued, ...(this.receiving ? [this.receiving] : [])])
      end = Math.max(end, s.startsAt + s.durationMs);
    return end;
  }
}
