// The mic path's transformations: mono, resampling (lengths and pitch kept), trimming, silence.

import { describe, expect, test } from "bun:test";
import {
  durationMs,
  MIC_RATE,
  type Pcm,
  resample,
  silence,
  toMic,
  toMono,
  trimSilence,
} from "../../src/audio/pcm.ts";

function sine(hz: number, rate: number, ms: number, amplitude = 10000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

/** Sign changes, ignoring exact zeros: two per period of a sine. */
function zeroCrossings(x: Int16Array): number {
  let count = 0;
  let last = 0;
  for (const s of x) {
    if (s === 0) continue;
    const sign = Math.sign(s);
    if (last !== 0 && sign !== last) count++;
    last = sign;
  }
  return count;
}

describe("durationMs", () => {
  test("frames over the rate, per channel", () => {
    expect(durationMs({ sampleRate: 48000, channels: 1, samples: new Int16Array(48000) })).toBe(1000);
    expect(durationMs({ sampleRate: 8000, channels: 2, samples: new Int16Array(800) })).toBe(50);
    expect(durationMs({ sampleRate: 22050, channels: 1, samples: new Int16Array(0) })).toBe(0);
  });
});

describe("toMono", () => {
  test("averages the channels of each frame", () => {
    const stereo: Pcm = {
      sampleRate: 44100,
      channels: 2,
      samples: Int16Array.from([100, 300, -32768, -32768, 1, 2]),
    };
    expect(toMono(stereo)).toEqual({
      sampleRate: 44100,
      channels: 1,
      samples: Int16Array.from([200, -32768, 2]),
    });
  });

  test("mono stays as it is", () => {
    const mono: Pcm = { sampleRate: 16000, channels: 1, samples: Int16Array.from([1, 2, 3]) };
    expect(toMono(mono)).toBe(mono);
  });
});

describe("resample", () => {
  test("lengths follow the rate ratio: espeak-ng's 22050 Hz to the mic's 48000", () => {
    const pcm: Pcm = { sampleRate: 22050, channels: 1, samples: sine(440, 22050, 1000) };
    const up = resample(pcm, MIC_RATE);
    expect(up.sampleRate).toBe(48000);
    expect(up.samples.length).toBe(Math.floor((22050 * 48000) / 22050));
    expect(durationMs(up)).toBeCloseTo(durationMs(pcm), 0);
    const down = resample(pcm, 8000);
    expect(down.samples.length).toBe(8000);
    const odd: Pcm = { sampleRate: 22050, channels: 1, samples: new Int16Array(1001) };
    expect(resample(odd, 48000).samples.length).toBe(Math.floor((1001 * 48000) / 22050));
  });

  test("a sine keeps its frequency (zero crossings per second), up and down", () => {
    const pcm: Pcm = { sampleRate: 22050, channels: 1, samples: sine(440, 22050, 1000) };
    expect(zeroCrossings(pcm.samples)).toBeGreaterThanOrEqual(878);
    for (const rate of [48000, 16000, 24000]) {
      const crossings = zeroCrossings(resample(pcm, rate).samples);
      expect(crossings).toBeGreaterThanOrEqual(878);
      expect(crossings).toBeLessThanOrEqual(880);
    }
  });

  test("interpolates linearly between neighbours", () => {
    const pcm: Pcm = { sampleRate: 1, channels: 1, samples: Int16Array.from([0, 100, -100]) };
    expect([...resample(pcm, 2).samples]).toEqual([0, 50, 100, 0, -100, -100]);
  });

  test("each channel on its own", () => {
    const frames = 441;
    const stereo = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      stereo[i * 2] = 1000;
      stereo[i * 2 + 1] = -1000;
    }
    const out = resample({ sampleRate: 22050, channels: 2, samples: stereo }, 48000);
    expect(out.channels).toBe(2);
    expect(out.samples.length).toBe(960 * 2);
    expect(out.samples.filter((_, i) => i % 2 === 0).every((s) => s === 1000)).toBe(true);
    expect(out.samples.filter((_, i) => i % 2 === 1).every((s) => s === -1000)).toBe(true);
  });

  test("the same rate is a no-op, a bad rate an error", () => {
    const pcm: Pcm = { sampleRate: 48000, channels: 1, samples: Int16Array.from([1, 2]) };
    expect(resample(pcm, 48000)).toBe(pcm);
    expect(() => resample(pcm, 0)).toThrow(RangeError);
    expect(() => resample(pcm, Number.NaN)).toThrow(RangeError);
  });
});

describe("toMic", () => {
  test("stereo 44.1 kHz becomes mono 48 kHz", () => {
    const stereo = new Int16Array(4410 * 2).fill(500);
    const mic = toMic({ sampleRate: 44100, channels: 2, samples: stereo });
    expect(mic.length).toBe(4800);
    expect(mic.every((s) => s === 500)).toBe(true);
  });
});

describe("trimSilence", () => {
  test("cuts the quiet edges and keeps 5 ms of them around the voice", () => {
    const voice = new Int16Array(24000).fill(5000);
    voice[100] = 0; // a quiet moment inside the voice stays
    const x = new Int16Array(48000 + voice.length + 24000);
    x.set(voice, 48000);
    x[10] = 250; // hiss under the threshold is silence
    x[x.length - 10] = -250;
    const trimmed = trimSilence(x);
    const keep = (5 * MIC_RATE) / 1000;
    expect(trimmed.length).toBe(voice.length + 2 * keep);
    expect(trimmed.slice(0, keep).every((s) => s === 0)).toBe(true);
    expect(trimmed.slice(keep, keep + voice.length)).toEqual(voice);
    expect(trimmed.slice(-keep).every((s) => s === 0)).toBe(true);
  });

  test("never keeps more than the input has at its edges", () => {
    const x = Int16Array.from([0, 9000, 9000, 0]);
    expect([...trimSilence(x)]).toEqual([0, 9000, 9000, 0]);
  });

  test("all quiet is empty; the threshold decides what quiet is", () => {
    expect(trimSilence(new Int16Array(1000).fill(200)).length).toBe(0);
    expect(trimSilence(new Int16Array(1000).fill(200), 100).length).toBe(1000);
    expect(trimSilence(new Int16Array(0)).length).toBe(0);
  });

  test("keeps its 5 ms at another rate too", () => {
    const x = new Int16Array(8000);
    x[4000] = 20000;
    expect(trimSilence(x, 300, 8000).length).toBe(1 + 2 * 40);
  });
});

describe("silence", () => {
  test("ms of zeros at the mic rate, or another", () => {
    expect(silence(1000)).toEqual(new Int16Array(48000));
    expect(silence(20, 22050).length).toBe(441);
    expect(silence(-5).length).toBe(0);
  });
});
