// What `start --audio` (and a scenario's `audio: true`) asks for, made into the session's audio
// settings: the TTS is found here, up front, so that a machine without one is told what to install
// before anything runs. The TTS code is loaded only when asked for.

import type { AudioSettings } from "../protocol/audio.ts";

/** `--voice`, `--tts-command`, `--fast-playback`, before the TTS is found. */
export interface AudioRequest {
  voice?: string;
  ttsCommand?: string;
  fastPlayback: boolean;
}

/** The session's audio settings; a TtsMissingError (exit 1) says what to install. */
export async function audioSettings(req: AudioRequest): Promise<AudioSettings> {
  const { resolveTts } = await import("../audio/tts.ts");
  const tts = resolveTts({ command: req.ttsCommand, voice: req.voice });
  return { ...req, tts: tts.describe };
}
