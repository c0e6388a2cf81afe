// WAV (RIFF/WAVE) in and out: whatever a local TTS writes in, 16-bit PCM out.

import { AudioFormatError } from "./errors.ts";
import type { Pcm } from "./pcm.ts";

export type WavEncoding = "pcm" | "float";

/** What a WAV holds, read from its header (wavInfo) without decoding the samples. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  /** The container size of one sample: 8, 16, 24, 32 (or 64 for float). */
  bitsPerSample: number;
  encoding: WavEncoding;
  frames: number;
  durationMs: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** A few tags people meet, so the error names what the file is. */
const FORMAT_NAMES: Record<number, string> = {
  2: "Microsoft ADPCM",
  6: "A-law",
  7: "µ-law",
  17: "IMA ADPCM",
  49: "GSM 6.10",
  85: "MPEG Layer 3",
};

const SUPPORTED = "16-bit PCM (or 8/24/32-bit PCM, or 32/64-bit float)";

interface Layout {
  info: WavInfo;
  /** Where the samples start, and how many bytes of whole frames follow. */
  dataOffset: number;
  dataBytes: number;
}

/** Rate, channels, encoding and length of a WAV. Throws AudioFormatError as decodeWav does. */
export function wavInfo(bytes: Uint8Array): WavInfo {
  return layout(bytes).info;
}

/** The samples of a WAV as int16 (wider samples keep their top 16 bits, float is scaled and clipped). */
export function decodeWav(bytes: Uint8Array): Pcm {
  const { info, dataOffset, dataBytes } = layout(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, dataBytes);
  const count = info.frames * info.channels;
  const out = new Int16Array(count);
  const width = info.bitsPerSample / 8;
  const read = sampleReader(view, info);
  for (let i = 0; i < count; i++) out[i] = read(i * width);
  return { sampleRate: info.sampleRate, channels: info.channels, samples: out };
}

/** A 16-bit PCM WAV of `pcm` (44-byte header). */
export function encodeWav(pcm: Pcm): Uint8Array {
  const { sampleRate, channels, samples } = pcm;
  if (!(channels >= 1) || !(sampleRate >= 1)) {
    throw new AudioFormatError(
      `cannot write a WAV of ${channels} channel(s) at ${sampleRate} Hz: expected at least one channel and a positive rate`,
    );
  }
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const tag = (offset: number, text: string) => {
    for (let i = 0; i < 4; i++) out[offset + i] = text.charCodeAt(i);
  };
  tag(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  tag(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i] ?? 0, true);
  return out;
}

function sampleReader(view: DataView, info: WavInfo): (offset: number) => number {
  if (info.encoding === "float") {
    const get = info.bitsPerSample === 64 ? view.getFloat64.bind(view) : view.getFloat32.bind(view);
    return (offset) => {
      const x = get(offset, true);
      return Number.isNaN(x) ? 0 : Math.round(Math.max(-1, Math.min(1, x)) * 32767);
    };
  }
  switch (info.bitsPerSample) {
    case 8:
      return (offset) => (view.getUint8(offset) - 128) << 8; // 8-bit WAV is unsigned, centred on 128
    case 16:
      return (offset) => view.getInt16(offset, true);
    case 24:
      return (offset) => view.getInt16(offset + 1, true);
    default:
      return (offset) => view.getInt16(offset + 2, true);
  }
}

function layout(bytes: Uint8Array): Layout {
  if (bytes.length < 12) {
    throw new AudioFormatError(
      `not a WAV file: it is ${bytes.length} byte(s) long, expected a RIFF/WAVE header of at least 12 bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== "RIFF") {
    throw new AudioFormatError(`not a WAV file: it starts with ${JSON.stringify(tag(0))}, expected "RIFF"`);
  }
  if (tag(8) !== "WAVE") {
    throw new AudioFormatError(
      `not a WAV file: a RIFF file of type ${JSON.stringify(tag(8))}, expected "WAVE"`,
    );
  }
  // A writer streaming to a pipe cannot seek back to fill in the sizes: espeak-ng --stdout leaves
  // 0x7ffff000-ish placeholders, others 0 or 0xFFFFFFFF. Such a size means "up to the end".
  const riffSize = view.getUint32(4, true);
  const end = riffSize === 0 || riffSize + 8 > bytes.length ? bytes.length : riffSize + 8;

  let format: Omit<WavInfo, "frames" | "durationMs"> | undefined;
  let offset = 12;
  while (offset + 8 <= end) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      format = readFormat(view, body, Math.min(size, end - body));
    } else if (id === "data") {
      if (!format) {
        throw new AudioFormatError("WAV has its data chunk before its fmt chunk: expected the format first");
      }
      const available = end - body;
      const length = size === 0xffffffff || size > available ? available : size;
      const frameBytes = format.channels * (format.bitsPerSample / 8);
      const frames = Math.floor(length / frameBytes);
      return {
        info: { ...format, frames, durationMs: (frames * 1000) / format.sampleRate },
        dataOffset: body,
        dataBytes: frames * frameBytes,
      };
    }
    // Chunks are padded to an even length; unknown ones (LIST, fact, cue …) are skipped.
    offset = body + size + (size & 1);
  }
  throw new AudioFormatError(
    format
      ? "WAV has no data chunk: the file holds a format but no samples (was it cut short?)"
      : "WAV has no fmt chunk: expected a format description before the samples (was it cut short?)",
  );
}

function readFormat(view: DataView, body: number, size: number): Omit<WavInfo, "frames" | "durationMs"> {
  if (size < 16) {
    throw new AudioFormatError(
      `WAV's fmt chunk is ${size} byte(s), expected at least 16 (is the file cut short?)`,
    );
  }
  let tag = view.getUint16(body, true);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) {
      throw new AudioFormatError(
        `WAV's extensible fmt chunk is ${size} bytes, expected 40 (the sub-format is missing)`,
      );
    }
    tag = view.getUint16(body + 24, true); // the first two bytes of the sub-format GUID
  }
  if (channels < 1) throw new AudioFormatError("WAV says it has 0 channels: expected at least one");
  if (sampleRate < 1)
    throw new AudioFormatError("WAV says its sample rate is 0 Hz: expected a positive rate");
  if (tag === FORMAT_PCM) {
    if ([8, 16, 24, 32].includes(bitsPerSample))
      return { sampleRate, channels, bitsPerSample, encoding: "pcm" };
    throw new AudioFormatError(`WAV has ${bitsPerSample}-bit PCM samples: expected ${SUPPORTED}`);
  }
  if (tag === FORMAT_FLOAT) {
    if (bitsPerSample === 32 || bitsPerSample === 64)
      return { sampleRate, channels, bitsPerSample, encoding: "float" };
    throw new AudioFormatError(`WAV has ${bitsPerSample}-bit float samples: expected ${SUPPORTED}`);
  }
  const hex = `0x${tag.toString(16).padStart(4, "0")}`;
  const name = FORMAT_NAMES[tag];
  throw new AudioFormatError(
    `WAV is encoded as format ${hex}${name ? ` (${name})` : ""}: expected ${SUPPORTED}; convert it, e.g. with sox or ffmpeg`,
  );
}
