// Text from the agent (replies, tool output, errors, its log), made safe to print: an LLM's output
// must not drive the user's terminal (set its title, move the cursor, overwrite a line, ring it).

/** Control characters (C0, DEL, and C1: U+009B is CSI) but \t and \n. */
const CONTROL = /(?![\t\n])\p{Cc}/gu;

/** Each control character as `\xHH` (ESC is `\x1b`); a line ending's CR (CRLF) is just the ending. */
export function visible(text: string): string {
  return text.replace(/\r+\n/g, "\n").replace(CONTROL, hexEscape);
}

/**
 * An agent's log as plain text. Its escape sequences (its logger's colors, cursor moves) are
 * removed rather than shown: they are the framework's own formatting, noise once visible, and
 * passing even colors through would let anything in the log reach the terminal; the same on a
 * terminal as in a pipe. A CR at a line's start (Python's logger begins every line so) goes too;
 * any other control character is shown, as everywhere.
 */
export function logText(text: string): string {
  return visible(Bun.stripANSI(text).replace(/^\r+/gm, ""));
}

/**
 * JSON with the exact text, where JSON.stringify leaves DEL and the C1 controls raw (a terminal
 * may still act on U+009B, CSI): those are escaped too, which is the same JSON.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/[\u007f-\u009f]/g, (c) => `\\u${hex(c, 4)}`);
}

function hexEscape(c: string): string {
  return `\\x${hex(c, 2)}`;
}

function hex(c: string, digits: number): string {
  return c.charCodeAt(0).toString(16).padStart(digits, "0");
}
