import { describe, expect, test } from "bun:test";
import { AGENT_INPUT_FRAME_BYTES as LIMIT } from "../../src/protocol/limits.ts";
import {
  encodeFrame,
  FrameReader,
  FrameTooLargeError,
  SKIPPED_HEAD_BYTES,
  type SkippedFrame,
} from "../../src/wire/frame.ts";

function randomFrames(count: number, seed: number): Uint8Array[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  return Array.from({ length: count }, () => {
    const size = next() % 5 === 0 ? next() % 70_000 : next() % 300;
    return Uint8Array.from({ length: size }, () => next() & 0xff);
  });
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("FrameReader", () => {
  test("one whole frame in one chunk", () => {
    const reader = new FrameReader(LIMIT);
    const frames = reader.push(encodeFrame(new TextEncoder().encode("hello")));
    expect(frames.map((f) => new TextDecoder().decode(f))).toEqual(["hello"]);
    expect(reader.pendingBytes).toBe(0);
  });

  test("empty frames are frames", () => {
    const reader = new FrameReader(LIMIT);
    expect(reader.push(concatAll([encodeFrame(new Uint8Array(0)), encodeFrame(new Uint8Array(0))]))).toEqual([
      new Uint8Array(0),
      new Uint8Array(0),
    ]);
  });

  test("a frame split byte by byte", () => {
    const reader = new FrameReader(LIMIT);
    const stream = encodeFrame(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]));
    const got: Uint8Array[] = [];
    for (const byte of stream) got.push(...reader.push(Uint8Array.of(byte)));
    expect(got).toEqual([Uint8Array.from([1, 2, 3, 4, 5, 6, 7])]);
  });

  test("any split of a stream of many frames yields the same frames (property)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const frames = randomFrames(60, seed);
      const stream = concatAll(frames.map((f) => encodeFrame(f)));
      let state = seed * 7919;
      const reader = new FrameReader(LIMIT);
      const got: Uint8Array[] = [];
      let at = 0;
      while (at < stream.length) {
        state = (state * 1103515245 + 12345) & 0x7fffffff;
        // Mix tiny, header-splitting and very large chunks.
        const size = [1, 3, 5, 17, 4096, 100_000][state % 6] ?? 1;
        got.push(...reader.push(stream.subarray(at, at + size)));
        at += size;
      }
      expect(got.length).toBe(frames.length);
      expect(got).toEqual(frames);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  test("frames survive the caller reusing its chunk buffer", () => {
    const reader = new FrameReader(LIMIT);
    const stream = concatAll([encodeFrame(Uint8Array.of(9, 9, 9)), encodeFrame(Uint8Array.of(8, 8))]);
    const chunk = new Uint8Array(5);
    const got: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 5) {
      chunk.fill(0);
      const part = stream.subarray(at, at + 5);
      chunk.set(part);
      got.push(...reader.push(chunk.subarray(0, part.length)));
    }
    expect(got).toEqual([Uint8Array.of(9, 9, 9), Uint8Array.of(8, 8)]);
  });

  test("a frame of exactly the limit is accepted", () => {
    const reader = new FrameReader(LIMIT);
    const frames = reader.push(encodeFrame(new Uint8Array(LIMIT)));
    expect(frames[0]?.length).toBe(LIMIT);
  });

  test("an oversized length is refused from its header alone, nothing buffered", () => {
    const reader = new FrameReader(LIMIT);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, LIMIT + 1);
    expect(() => reader.push(header)).toThrow(FrameTooLargeError);
    expect(reader.pendingBytes).toBe(0);
    // The LKCP preamble read as a length is over the limit too.
    expect(() => new FrameReader(LIMIT).push(new TextEncoder().encode("LKCP"))).toThrow(/exceeds/);
  });

  test("the writer refuses what the reader would refuse", () => {
    expect(() => encodeFrame(new Uint8Array(LIMIT + 1), LIMIT)).toThrow(FrameTooLargeError);
  });

  test("with onSkipped, an oversized frame is dropped as it streams in, told once with its head, and reading goes on", () => {
    const skipped: SkippedFrame[] = [];
    const reader = new FrameReader(100, (frame) => skipped.push(frame));
    const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const stream = concatAll([encodeFrame(big), encodeFrame(Uint8Array.of(1, 2)), encodeFrame(big)]);
    const got: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 7) {
      got.push(...reader.push(stream.subarray(at, at + 7)));
      // Never more than a header and a small frame held, whatever the skipped frames' size.
      expect(reader.pendingBytes).toBeLessThanOrEqual(4 + 2);
    }
    expect(got).toEqual([Uint8Array.of(1, 2)]);
    expect(skipped).toEqual([
      { length: 5000, limit: 100, head: big.slice(0, SKIPPED_HEAD_BYTES) },
      { length: 5000, limit: 100, head: big.slice(0, SKIPPED_HEAD_BYTES) },
    ]);
  });

  test("a limit changed by read's callback applies to the next frame of the same chunk", () => {
    const reader = new FrameReader(8);
    const stream = concatAll([encodeFrame(Uint8Array.of(1)), encodeFrame(new Uint8Array(1000))]);
    const got: number[] = [];
    reader.read(stream, (frame) => {
      got.push(frame.length);
      reader.limit = 1000;
    });
    expect(got).toEqual([1, 1000]);
    // And without the raise, the second frame is refused.
    expect(() => new FrameReader(8).push(stream)).toThrow(FrameTooLargeError);
  });

  test("read stops at a frame whose callback returns false", () => {
    const reader = new FrameReader(LIMIT);
    const stream = concatAll([encodeFrame(Uint8Array.of(1)), encodeFrame(Uint8Array.of(2))]);
    const got: Uint8Array[] = [];
    reader.read(stream, (frame) => {
      got.push(frame);
      return false;
    });
    expect(got).toEqual([Uint8Array.of(1)]);
  });
});
