// PCM audio as plain int16 samples, and the few transformations the mic path needs.

/** Interleaved signed 16-bit samples: `samples.length === frames × channels`. */
export interface Pcm {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** The agent's microphone: 48 kHz mono s16le, always (its input resampler ignores any other rate). */
export const MIC_RATE = 48000;

/** Samples of quiet kept on each side of the voice by trimSilence, so no onset or decay is clipped. */
const TRIM_KEEP_MS = 5;

/** Frames (samples per channel) in `pcm`. */
export function frameCount(pcm: Pcm): number {
  return pcm.channels > 0 ? Math.floor(pcm.samples.length / pcm.channels) : 0;
}

/** How long `pcm` plays, in milliseconds (fractional). */
export function durationMs(pcm: Pcm): number {
  return pcm.sampleRate > 0 ? (frameCount(pcm) * 1000) / pcm.sampleRate : 0;
}

/** The channels averaged into one. */
export function toMono(pcm: Pcm): Pcm {
  const { channels, samples } = pcm;
  if (channels === 1) return pcm;
  const frames = frameCount(pcm);
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c] ?? 0;
    mono[f] = Math.round(sum / channels);
  }
  return { sampleRate: pcm.sampleRate, channels: 1, samples: mono };
}

/**
 * `pcm` at `toRate`, by linear interpolation between neighbouring samples, each channel on its own.
 * Good enough for speech going into a speech recogniser (it recognised as well as sox's resampler).
 */
export function resample(pcm: Pcm, toRate: number): Pcm {
  if (!(toRate > 0) || !Number.isFinite(toRate)) throw new RangeError(`bad sample rate ${toRate}`);
  const { sampleRate: fromRate, channels, samples } = pcm;
  if (fromRate === toRate) return pcm;
  const frames = frameCount(pcm);
  const outFrames = Math.floor((frames * toRate) / fromRate);
  const out = new Int16Array(outFrames * channels);
  const step = fromRate / toRate;
  for (let i = 0; i < outFrames; i++) {
    const pos = i * step;
    const j = Math.floor(pos);
    const frac = pos - j;
    const next = j + 1 < frames ? j + 1 : j;
    for (let c = 0; c < channels; c++) {
      const a = samples[j * channels + c] ?? 0;
      const b = samples[next * channels + c] ?? a;
      out[i * channels + c] = Math.round(a + (b - a) * frac);
    }
  }
  return { sampleRate: toRate, channels, samples: out };
}

/** What the agent's microphone takes: mono, 48 kHz. */
export function toMic(pcm: Pcm): Int16Array {
  return resample(toMono(pcm), MIC_RATE).samples;
}

/**
 * Mono `samples` without the near-silence (|sample| < threshold) at either end, keeping a few ms of it
 * around the voice, so "end of speech" is where the voice ends. All quiet: an empty array. A copy.
 */
export function trimSilence(samples: Int16Array, threshold = 300, sampleRate = MIC_RATE): Int16Array {
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start] ?? 0) < threshold) start++;
  while (end > start && Math.abs(samples[end - 1] ?? 0) < threshold) end--;
  if (start === end) return new Int16Array(0);
  const keep = Math.round((TRIM_KEEP_MS * sampleRate) / 1000);
  return samples.slice(Math.max(0, start - keep), Math.min(samples.length, end + keep));
}

/** `ms` of mono silence at `sampleRate`. */
export function silence(ms: number, sampleRate = MIC_RATE): Int16Array {
  return new Int16Array(Math.max(0, Math.round((ms * sampleRate) / 1000)));
}
