// The audio mode's failures, each a sentence for a person (UserError: printed without a stack, exit 1).

import { UserError } from "../errors.ts";

/** Bytes that are not a WAV this module can read: says what is wrong and what was expected. */
export class AudioFormatError extends UserError {
  override name = "AudioFormatError";
}

/** No text-to-speech program on this machine: says what to install, per OS. */
export class TtsMissingError extends UserError {
  override name = "TtsMissingError";
}

/** The text-to-speech program failed: its command, exit code and the end of its stderr. */
export class TtsFailedError extends UserError {
  override name = "TtsFailedError";
}
