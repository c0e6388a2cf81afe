// The replay format: a conversation as a plain text file, one user turn per line.
//
//   # a comment                      ignored, as are blank lines
//   ? /hello/i                       before the first turn: the agent's greeting must match this
//   what's the weather in Paris?     a user turn
//   ? sunny                          the reply to the turn above must match this regex (or /re/flags)
//   ?! error                         ... and must not match this one
//   a long turn that goes \          a trailing backslash continues the turn on the next line
//   on and on

import { UserError } from "../errors.ts";
import { parseExpectation } from "./expect.ts";
import type { GreetingCheck, ReplyExpectation } from "./greeting.ts";
import { checkTurnSize } from "./turn-text.ts";

export interface ReplayTurn {
  text: string;
  line: number;
  expectations: ReplyExpectation[];
}

export interface ReplayFile {
  /** `?` lines before the first turn: what the agent says on its own at start. */
  greeting?: GreetingCheck;
  turns: ReplayTurn[];
}

export function parseReplay(content: string, file: string): ReplayFile {
  const turns: ReplayTurn[] = [];
  let greeting: GreetingCheck | undefined;
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (trimmed.startsWith("?")) {
      const negated = trimmed.startsWith("?!");
      const pattern = trimmed.slice(negated ? 2 : 1).trim();
      if (!pattern) throw new UserError(`${file}:${i + 1}: empty expectation`);
      let expectation: ReplyExpectation;
      try {
        expectation = parseExpectation(pattern, negated);
      } catch (error) {
        throw new UserError(`${file}:${i + 1}: ${(error as Error).message}`);
      }
      // Before any turn, it is the greeting's.
      if (turns.length === 0 && !greeting) greeting = { line: i + 1, expectations: [] };
      (turns.at(-1) ?? (greeting as GreetingCheck)).expectations.push(expectation);
      continue;
    }
    const start = i;
    let text = trimmed;
    while (text.endsWith("\\") && i + 1 < lines.length)
      text = `${text.slice(0, -1)}\n${(lines[++i] as string).trim()}`;
    turns.push({ text: checkTurnSize(text, `${file}:${start + 1}: `), line: start + 1, expectations: [] });
  }
  if (turns.length === 0)
    throw new UserError(
      `${file} has no turns${greeting ? `, only a greeting check (line ${greeting.line})` : ""}`,
      1,
      ["write one user turn per line; see `lk agent session replay --help`"],
    );
  return greeting ? { greeting, turns } : { turns };
}
