// A turn's text must fit the agent's 1 MiB run_input frame: checked before anything is sent.

import { UserError } from "../errors.ts";
import { turnTextTooLong } from "../protocol/limits.ts";

/** The text, or a UserError (led by `where`, e.g. "talk.txt:3: ") when one turn cannot carry it. */
export function checkTurnSize(text: string, where = ""): string {
  const tooLong = turnTextTooLong(text);
  if (tooLong) {
    throw new UserError(`${where}${tooLong}`, 1, [
      "the agent protocol refuses messages over 1 MiB; split it into several turns",
    ]);
  }
  return text;
}
