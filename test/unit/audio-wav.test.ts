// WAV in and out: what espeak-ng really writes, the encodings other TTS programs write, the streaming
// placeholders and odd chunks, and a clear error for anything else.

import { describe, expect, test } from "bun:test";
import { AudioFormatError } from "../../src/audio/errors.ts";
import { durationMs, type Pcm } from "../../src/audio/pcm.ts";
import { decodeWav, encodeWav, wavInfo } from "../../src/audio/wav.ts";

/** A chunk: 4-byte id, little-endian size (or `size`), body, a pad byte when the body is odd. */
function chunk(id: string, body: Uint8Array, size = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(new TextEncoder().encode(id), 0);
  new DataView(out.buffer).setUint32(4, size, true);
  out.set(body, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface FmtSpec {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  /** WAVE_FORMAT_EXTENSIBLE around this sub-format tag. */
  extensible?: number;
}

function fmt({ tag = 1, channels = 1, rate = 16000, bits = 16, extensible }: FmtSpec): Uint8Array {
  const body = new Uint8Array(extensible === undefined ? 16 : 40);
  const v = new DataView(body.buffer);
  v.setUint16(0, extensible === undefined ? tag : 0xfffe, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  if (extensible !== undefined) {
    v.setUint16(16, 22, true); // cbSize
    v.setUint16(18, bits, true); // valid bits
    v.setUint32(20, channels === 1 ? 4 : 3, true); // channel mask
    v.setUint16(24, extensible, true); // the sub-format GUID starts with the format tag
    body.set([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71], 26);
  }
  return chunk("fmt ", body);
}

function riff(chunks: Uint8Array[], size?: number): Uint8Array {
  const body = concat(new TextEncoder().encode("WAVE"), ...chunks);
  return chunk("RIFF", body, size ?? body.length);
}

function bytesOf(write: (v: DataView) => void, length: number): Uint8Array {
  const out = new Uint8Array(length);
  write(new DataView(out.buffer));
  return out;
}

function formatError(bytes: Uint8Array): AudioFormatError {
  try {
    decodeWav(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(AudioFormatError);
    return error as AudioFormatError;
  }
  throw new Error("decodeWav accepted it");
}

describe("encodeWav and decodeWav", () => {
  test("a 16-bit mono WAV round-trips, with a 44-byte header", () => {
    const pcm: Pcm = {
      sampleRate: 22050,
      channels: 1,
      samples: Int16Array.from([0, 1, -1, 32767, -32768, 1234]),
    };
    const bytes = encodeWav(pcm);
    expect(bytes.length).toBe(44 + 12);
    expect(decodeWav(bytes)).toEqual(pcm);
    expect(wavInfo(bytes)).toEqual({
      sampleRate: 22050,
      channels: 1,
      bitsPerSample: 16,
      encoding: "pcm",
      frames: 6,
      durationMs: (6 * 1000) / 22050,
    });
  });

  test("stereo keeps its interleaving", () => {
    const pcm: Pcm = { sampleRate: 48000, channels: 2, samples: Int16Array.from([1, -1, 2, -2, 3, -3]) };
    const back = decodeWav(encodeWav(pcm));
    expect(back).toEqual(pcm);
    expect(durationMs(back)).toBeCloseTo(3000 / 48000, 9);
  });

  test("an empty recording is still a valid WAV", () => {
    const pcm: Pcm = { sampleRate: 8000, channels: 1, samples: new Int16Array(0) };
    expect(decodeWav(encodeWav(pcm))).toEqual(pcm);
  });

  test("no channel or no rate cannot be written", () => {
    expect(() => encodeWav({ sampleRate: 0, channels: 1, samples: new Int16Array(1) })).toThrow(
      AudioFormatError,
    );
    expect(() => encodeWav({ sampleRate: 8000, channels: 0, samples: new Int16Array(1) })).toThrow(
      /expected at least one channel/,
    );
  });
});

// Linux's TTS (the fixture setup installs espeak-ng there); macOS and Windows write files of their own.
describe.skipIf(process.platform !== "linux")("what espeak-ng --stdout writes (Linux's TTS)", () => {
  test("decodes at 22050 Hz mono, though its RIFF and data sizes are streaming placeholders", () => {
    const espeak = Bun.which("espeak-ng") ?? Bun.which("espeak");
    if (!espeak)
      throw new Error(
        "espeak-ng is not installed, and the audio tests need it: run bash scripts/setup-fixtures.sh (it installs Debian's espeak-ng), or sudo apt-get install espeak-ng",
      );
    const run = Bun.spawnSync([espeak, "-v", "en-us+klatt", "--stdout", "what's the weather in Paris"]);
    expect(run.exitCode).toBe(0);
    const bytes = new Uint8Array(run.stdout);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    // The proof this path is taken: both sizes claim more than the pipe carried.
    expect(view.getUint32(4, true) + 8).toBeGreaterThan(bytes.length);
    expect(view.getUint32(40, true)).toBeGreaterThan(bytes.length);
    const pcm = decodeWav(bytes);
    expect(pcm.sampleRate).toBe(22050);
    expect(pcm.channels).toBe(1);
    expect(pcm.samples.length).toBe((bytes.length - 44) / 2);
    expect(durationMs(pcm)).toBeGreaterThan(500);
    expect(pcm.samples.some((s) => Math.abs(s) > 1000)).toBe(true);
  });
});

describe("other encodings", () => {
  test("8-bit PCM is unsigned around 128", () => {
    const wav = riff([fmt({ bits: 8 }), chunk("data", Uint8Array.from([128, 255, 0, 192]))]);
    expect([...decodeWav(wav).samples]).toEqual([0, 127 << 8, -32768, 64 << 8]);
    expect(wavInfo(wav).bitsPerSample).toBe(8);
  });

  test("24-bit PCM keeps its top 16 bits", () => {
    const data = bytesOf((v) => {
      v.setUint8(0, 0x56);
      v.setInt16(1, 0x1234, true); // 0x123456
      v.setUint8(3, 0xff);
      v.setInt16(4, -1, true); // -1 (0xffffff) -> -1
      v.setUint8(6, 0x00);
      v.setInt16(7, -32768, true); // most negative
    }, 9);
    expect([...decodeWav(riff([fmt({ bits: 24 }), chunk("data", data)])).samples]).toEqual([
      0x1234, -1, -32768,
    ]);
  });

  test("32-bit PCM keeps its top 16 bits", () => {
    const data = bytesOf((v) => {
      v.setInt32(0, 0x7fffffff, true);
      v.setInt32(4, -0x80000000, true);
      v.setInt32(8, 0x00010000, true);
    }, 12);
    expect([...decodeWav(riff([fmt({ bits: 32 }), chunk("data", data)])).samples]).toEqual([
      32767, -32768, 1,
    ]);
  });

  test("32-bit float is scaled to int16 and clipped at ±1; NaN is silence", () => {
    const data = bytesOf((v) => {
      for (const [i, x] of [0.5, -1, 2, -3, Number.NaN, 0].entries()) v.setFloat32(i * 4, x, true);
    }, 24);
    const pcm = decodeWav(riff([fmt({ tag: 3, bits: 32 }), chunk("data", data)]));
    expect([...pcm.samples]).toEqual([16384, -32767, 32767, -32767, 0, 0]);
    expect(wavInfo(riff([fmt({ tag: 3, bits: 32 }), chunk("data", data)])).encoding).toBe("float");
  });

  test("WAVE_FORMAT_EXTENSIBLE holding PCM or float, stereo", () => {
    const pcmData = bytesOf((v) => {
      v.setInt16(0, 100, true);
      v.setInt16(2, -100, true);
    }, 4);
    const asPcm = decodeWav(riff([fmt({ extensible: 1, channels: 2, rate: 44100 }), chunk("data", pcmData)]));
    expect(asPcm).toEqual({ sampleRate: 44100, channels: 2, samples: Int16Array.from([100, -100]) });
    const floatData = bytesOf((v) => {
      v.setFloat32(0, 0.25, true);
      v.setFloat32(4, -0.25, true);
    }, 8);
    const asFloat = decodeWav(
      riff([fmt({ extensible: 3, bits: 32, channels: 2 }), chunk("data", floatData)]),
    );
    expect([...asFloat.samples]).toEqual([8192, -8192]);
  });
});

describe("the chunks around the samples", () => {
  test("LIST and fact chunks are skipped, odd-sized ones with their pad byte", () => {
    const samples = bytesOf((v) => v.setInt16(0, 4242, true), 2);
    const wav = riff([
      chunk("LIST", new TextEncoder().encode("INFOISFT\x05\x00\x00\x00odd!!")), // 17 bytes: padded
      fmt({}),
      chunk(
        "fact",
        bytesOf((v) => v.setUint32(0, 1, true), 4),
      ),
      chunk("junk", Uint8Array.from([1, 2, 3])), // odd again
      chunk("data", samples),
      chunk("LIST", new TextEncoder().encode("after the data")),
    ]);
    expect([...decodeWav(wav).samples]).toEqual([4242]);
  });

  test("0xFFFFFFFF sizes mean up to the end, and a partial last frame is dropped", () => {
    const data = Uint8Array.from([1, 0, 2, 0, 3, 0, 4, 0, 9]); // 4 stereo-less samples and a stray byte
    const wav = riff([fmt({}), chunk("data", data, 0xffffffff)], 0xffffffff);
    // chunk() pads odd bodies: cut the pad so the file ends with the stray byte
    const cut = wav.subarray(0, wav.length - 1);
    expect([...decodeWav(cut).samples]).toEqual([1, 2, 3, 4]);
    expect(wavInfo(cut).frames).toBe(4);
  });

  test("a data size larger than the file takes what is there", () => {
    const data = bytesOf((v) => {
      v.setInt16(0, 7, true);
      v.setInt16(2, 8, true);
    }, 4);
    expect([...decodeWav(riff([fmt({}), chunk("data", data, 1 << 30)], 1 << 30)).samples]).toEqual([7, 8]);
  });

  test("a RIFF size shorter than the file ends the file there (trailing bytes ignored)", () => {
    const wav = encodeWav({ sampleRate: 8000, channels: 1, samples: Int16Array.from([5, 6]) });
    const withTrailer = concat(wav, Uint8Array.from([0x4a, 0x55, 0x4e, 0x4b, 0, 0, 0, 0]));
    expect([...decodeWav(withTrailer).samples]).toEqual([5, 6]);
  });
});

describe("bad input says what is wrong and what was expected", () => {
  const good = encodeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(100) });

  test("empty and short files", () => {
    expect(formatError(new Uint8Array(0)).message).toBe(
      "not a WAV file: it is 0 byte(s) long, expected a RIFF/WAVE header of at least 12 bytes",
    );
    expect(formatError(good.subarray(0, 8)).message).toContain("expected a RIFF/WAVE header");
  });

  test("text, or another RIFF type", () => {
    expect(formatError(new TextEncoder().encode("Error: no voice found\n")).message).toBe(
      'not a WAV file: it starts with "Erro", expected "RIFF"',
    );
    const avi = concat(new TextEncoder().encode("RIFF"), new Uint8Array(4), new TextEncoder().encode("AVI "));
    expect(formatError(avi).message).toBe('not a WAV file: a RIFF file of type "AVI ", expected "WAVE"');
  });

  test("cut short: in the fmt chunk, or before the data chunk", () => {
    expect(formatError(good.subarray(0, 30)).message).toBe(
      "WAV's fmt chunk is 10 byte(s), expected at least 16 (is the file cut short?)",
    );
    expect(formatError(good.subarray(0, 36)).message).toContain("WAV has no data chunk");
    expect(formatError(riff([chunk("LIST", new Uint8Array(4))])).message).toContain("WAV has no fmt chunk");
  });

  test("data before fmt", () => {
    expect(formatError(riff([chunk("data", new Uint8Array(4)), fmt({})])).message).toBe(
      "WAV has its data chunk before its fmt chunk: expected the format first",
    );
  });

  test("compressed and odd encodings are named", () => {
    const mp3 = riff([fmt({ tag: 0x55 }), chunk("data", new Uint8Array(4))]);
    expect(formatError(mp3).message).toBe(
      "WAV is encoded as format 0x0055 (MPEG Layer 3): expected 16-bit PCM (or 8/24/32-bit PCM, or 32/64-bit float); convert it, e.g. with sox or ffmpeg",
    );
    expect(formatError(riff([fmt({ bits: 12 }), chunk("data", new Uint8Array(4))])).message).toBe(
      "WAV has 12-bit PCM samples: expected 16-bit PCM (or 8/24/32-bit PCM, or 32/64-bit float)",
    );
    expect(
      formatError(riff([fmt({ tag: 3, bits: 16 }), chunk("data", new Uint8Array(4))])).message,
    ).toContain("16-bit float samples");
    expect(formatError(riff([fmt({ channels: 0 }), chunk("data", new Uint8Array(4))])).message).toBe(
      "WAV says it has 0 channels: expected at least one",
    );
    expect(formatError(riff([fmt({ rate: 0 }), chunk("data", new Uint8Array(4))])).message).toContain("0 Hz");
  });

  test("random bytes after a valid header are an error, never a crash", () => {
    let seed = 7;
    const noise = Uint8Array.from({ length: 200 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    });
    const garbage = concat(good.subarray(0, 12), noise);
    expect(() => decodeWav(garbage)).toThrow(AudioFormatError);
  });
});
