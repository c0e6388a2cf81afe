import { describe, expect, test } from "bun:test";
import { encodeFrame, FrameReader, FrameTooLargeError, MAX_FRAME_BYTES } from "../../src/wire/frame.ts";

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
    const reader = new FrameReader();
    const frames = reader.push(encodeFrame(new TextEncoder().encode("hello")));
    expect(frames.map((f) => new TextDecoder().decode(f))).toEqual(["hello"]);
    expect(reader.pendingBytes).toBe(0);
  });

  test("empty frames are frames", () => {
    const reader = new FrameReader();
    expect(reader.push(concatAll([encodeFrame(new Uint8Array(0)), encodeFrame(new Uint8Array(0))]))).toEqual([
      new Uint8Array(0),
      new Uint8Array(0),
    ]);
  });

  test("a frame split byte by byte", () => {
    const reader = new FrameReader();
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
      const reader = new FrameReader();
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
    const reader = new FrameReader();
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
    const reader = new FrameReader();
    const frames = reader.push(encodeFrame(new Uint8Array(MAX_FRAME_BYTES)));
    expect(frames[0]?.length).toBe(MAX_FRAME_BYTES);
  });

  test("an oversized length is refused from its header alone, nothing buffered", () => {
    const reader = new FrameReader();
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
    expect(() => reader.push(header)).toThrow(FrameTooLargeError);
    expect(reader.pendingBytes).toBe(0);
    // The LKCP preamble read as a length is over the limit too.
    expect(() => new FrameReader().push(new TextEncoder().encode("LKCP"))).toThrow(/exceeds/);
  });

  test("the writer refuses what the reader would refuse", () => {
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(FrameTooLargeError);
  });
});
