// Length-prefixed framing shared by the agent link and the control channel:
// a 4-byte big-endian length, then that many payload bytes. The limits are the caller's
// (src/protocol/limits.ts): this file only enforces them.

/** The most a 4-byte length can say. */
export const MAX_FORMAT_BYTES = 0xffff_ffff;

export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`frame of ${length} bytes exceeds the ${limit}-byte limit`);
  }
}

export function encodeFrame(payload: Uint8Array, maxBytes = MAX_FORMAT_BYTES): Uint8Array {
  if (payload.length > maxBytes) throw new FrameTooLargeError(payload.length, maxBytes);
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, 4);
  return out;
}

/** A frame over the limit, skipped as it streamed in: its length, and its first bytes to tell what it was. */
export interface SkippedFrame {
  length: number;
  limit: number;
  head: Uint8Array;
}

/** How much of a skipped frame is kept for `onSkipped` (enough for a message's kind and request id). */
export const SKIPPED_HEAD_BYTES = 256;

/**
 * Reassembles frames from arbitrary TCP chunks. Holds at most one frame: its buffer is allocated once,
 * when its header is read, and filled in place. A header over `limit` throws before anything is
 * allocated, or, with `onSkipped`, the frame's bytes are dropped as they come and reading goes on.
 */
export class FrameReader {
  private readonly header = new Uint8Array(4);
  private headerFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  /** Bytes of a skipped frame still to come, and the head kept of it. */
  private skipLeft = 0;
  private skipped: SkippedFrame | undefined;
  private headFill = 0;

  /** Both may change between frames (from `read`'s callback): they apply from the next header on. */
  constructor(
    public limit: number,
    public onSkipped?: (frame: SkippedFrame) => void,
  ) {}

  /** Bytes received of the frame not yet complete (its header included). */
  get pendingBytes(): number {
    return this.headerFill + this.bodyFill;
  }

  /** Feeds one chunk; returns every frame it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.read(chunk, (frame) => void frames.push(frame));
    return frames;
  }

  /**
   * Feeds one chunk; `onFrame` gets each frame as it completes, before the next header is read
   * (so it may change `limit`), and stops this chunk by returning false.
   */
  read(chunk: Uint8Array, onFrame: (frame: Uint8Array) => unknown): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skipLeft > 0) {
        at += this.skip(chunk.subarray(at));
        continue;
      }
      if (!this.body) {
        const take = Math.min(4 - this.headerFill, chunk.length - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        if (this.headerFill < 4) return;
        this.headerFill = 0;
        const length = new DataView(this.header.buffer).getUint32(0, false);
        if (length > this.limit) {
          if (!this.onSkipped) throw new FrameTooLargeError(length, this.limit);
          this.skipLeft = length;
          this.skipped = {
            length,
            limit: this.limit,
            head: new Uint8Array(Math.min(length, SKIPPED_HEAD_BYTES)),
          };
          this.headFill = 0;
          continue;
        }
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      }
      // An empty frame completes here, with nothing taken.
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - at);
      this.body.set(chunk.subarray(at, at + take), this.bodyFill);
      this.bodyFill += take;
      at += take;
      if (this.bodyFill < this.body.length) return;
      const frame = this.body;
      this.body = undefined;
      this.bodyFill = 0;
      if (onFrame(frame) === false) return;
    }
  }

  /** Drops what `part` holds of a skipped frame (keeping its head); returns how many bytes it took. */
  private skip(part: Uint8Array): number {
    const take = Math.min(this.skipLeft, part.length);
    const skipped = this.skipped;
    if (skipped && this.headFill < skipped.head.length) {
      const kept = Math.min(take, skipped.head.length - this.headFill);
      skipped.head.set(part.subarray(0, kept), this.headFill);
      this.headFill += kept;
      if (this.headFill === skipped.head.length) {
        this.skipped = undefined;
        this.onSkipped?.(skipped);
      }
    }
    this.skipLeft -= take;
    return take;
  }
}
