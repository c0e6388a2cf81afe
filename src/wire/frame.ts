// Length-prefixed framing shared by the agent link and the control channel:
// a 4-byte big-endian length, then that many payload bytes.

/** Both reference sides refuse frames above 1 MiB; so do we. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly limit = MAX_FRAME_BYTES,
  ) {
    super(`frame of ${length} bytes exceeds the ${limit}-byte limit; closing the connection`);
  }
}

/** Control frames carry agent text re-encoded as JSON, which can outgrow an agent frame. */
export const MAX_CONTROL_FRAME_BYTES = 8 * MAX_FRAME_BYTES;

export function encodeFrame(payload: Uint8Array, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  if (payload.length > maxBytes) throw new FrameTooLargeError(payload.length, maxBytes);
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, 4);
  return out;
}

/**
 * Reassembles frames from arbitrary TCP chunks. Buffers at most one frame
 * (plus its header): a length over the limit throws before anything is kept.
 */
export class FrameReader {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Bytes received but not yet returned as a whole frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /** Feeds one chunk; returns every frame it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 4) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + offset, 4);
      const length = view.getUint32(0, false);
      if (length > this.maxFrameBytes) {
        this.buffer = new Uint8Array(0);
        throw new FrameTooLargeError(length, this.maxFrameBytes);
      }
      if (this.buffer.length - offset - 4 < length) break;
      // Copy out so callers may keep the frame after the next push reuses memory.
      frames.push(this.buffer.slice(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    // slice() copies: the remainder never aliases a chunk the caller may reuse.
    this.buffer = this.buffer.slice(offset);
    return frames;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
