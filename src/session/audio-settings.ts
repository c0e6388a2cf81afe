// What `start --audio` (and a scenario's `audio: true`) asks for, made into the session's audio
// settings: the TTS is found here, up front, so that a machine without one is told what to install
// before anything runs. The TTS code is loaded only when asked for.

import { UserError } from "../errors.ts";
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

/**
 * What `restart` asks for again, from the session's record: the mode, the voice, the playback.
 * Never a --tts-command read back from a file: restart runs no command line it did not plan itself.
 */
export function recordedAudio(recorded: unknown, restartCommand: string): AudioRequest | undefined {
  if (typeof recorded !== "object" || recorded === null) return undefined;
  const r = recorded as Record<string, unknown>;
  if (r.ttsCommand !== undefined)
    throw new UserError(
      "this audio session speaks with a --tts-command, which restart does not run again",
      1,
      [
        "end it and start it again with the same options (lk agent session start --audio --tts-command …)",
        `or restart it with the system's TTS: end it, then ${restartCommand} --audio`,
      ],
    );
  return {
    ...(typeof r.voice === "string" && r.voice ? { voice: r.voice } : {}),
    fastPlayback: r.fastPlayback === true,
  };
}
