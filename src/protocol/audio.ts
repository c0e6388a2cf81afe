// The audio mode as client and daemon agree on it: how the session speaks and plays back (set at
// start), what one spoken turn asks for, and what the daemon measured of it. Plain data, no I/O.

/** How an audio session speaks each turn and plays the agent's speech back (from `start --audio`). */
export interface AudioSettings {
  /** The local TTS, for people: "espeak-ng -v en-us+klatt", or the --tts-command as given. */
  tts: string;
  /** `--voice`, passed through to the TTS. */
  voice?: string;
  /** `--tts-command`: reads the text on stdin, writes a WAV on stdout. */
  ttsCommand?: string;
  /** `--fast-playback`: the agent's speech counts as played at once, not after its duration. */
  fastPlayback: boolean;
}

/** What a spoken turn asks for besides its text (`say --speed`, `--interrupt-after`, `--save-audio`). */
export interface SpokenTurnOptions {
  /** Mic frames this many times faster than real time (default 1). */
  speed?: number;
  /** Barge-in: start speaking this long after the first audio of the reply of the turn running ahead. */
  interruptAfterMs?: number;
  /** An existing folder (absolute) to write the turn's user and agent audio in, as WAV files. */
  saveAudioDir?: string;
}

/** Per turn, measured on our side of the wire, in ms. */
export interface AudioMeasures {
  /** The user's speech (the TTS output, silence trimmed), at real time whatever the speed. */
  userMs: number;
  /** End of the user's speech (its last mic frame sent) → the agent's final transcript. */
  transcriptMs?: number;
  /** End of the user's speech → the first frame of the agent's audio: the latency the caller hears. */
  firstAudioMs?: number;
  /** The agent's audio for the turn, as played (an interrupted reply: until it was cleared). */
  agentMs: number;
  /** The simulated playback: segments flushed by the agent, acknowledged (finished), cleared. */
  playback: { flushes: number; finished: number; clears: number };
}

/** The WAV files `say --save-audio` wrote (absolute paths). */
export interface SavedAudio {
  user: string;
  agent: string;
}

/** What an interrupting turn (`say --interrupt-after`) cut short: the previous reply as it was left. */
export interface InterruptedReply {
  /** The agent's text as it recorded it (cut to what had played), when it said. */
  text?: string;
  /** How long that reply had played when the user started speaking over it. */
  afterMs: number;
}

/** Why a say's audio options are refused in a text session (by `say`, and by the daemon for any client). */
export const TEXT_SESSION_REFUSAL =
  "this is a text session: --speed, --interrupt-after and --save-audio need one started with `lk agent session start --audio`";

/** Mic pacing: `say --speed` must be a number of times real time in this range. */
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 100;

/** Why a --speed value is not one, or undefined when it is. */
export function badSpeed(speed: unknown): string | undefined {
  if (typeof speed !== "number" || !Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED)
    return `the speed must be a number from ${MIN_SPEED} to ${MAX_SPEED} (times real time)`;
  return undefined;
}

/** Compared without case and punctuation: "What's the weather in Paris" heard for "what's the weather in Paris?". */
export function sameWords(a: string, b: string): boolean {
  return words(a) === words(b);
}

function words(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, " ")
    .replace(/'/g, "")
    .trim();
}
