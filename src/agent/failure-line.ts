// Which line of a failed agent's output says why it failed: the exception line of its last Python
// traceback, else a Node `Error: …` line, else its last line that is not DEBUG chatter (a framework's
// closing DEBUG lines come after the error and say nothing of it).

const TRACEBACK = "Traceback (most recent call last):";
/** `Error: …`, `TypeError: …`, `Error [ERR_X]: …`, `SomeException: …`, anywhere in the line. */
const NODE_ERROR = /\b[A-Za-z]*(?:Error|Exception)(?: \[[\w-]+\])?: \S/;
const DEBUG = /\bDEBUG\b/;

/** The line that says why, trimmed; undefined when there is no line at all. */
export function failureLine(lines: string[]): string | undefined {
  const start = lines.findLastIndex((line) => line.includes(TRACEBACK));
  if (start !== -1) {
    // The frames are indented; the exception line that closes them is not.
    const exception = lines.slice(start + 1).find((line) => line.trim() !== "" && !/^\s/.test(line));
    if (exception) return exception.trim();
  }
  const nodeError = lines.findLast((line) => NODE_ERROR.test(line));
  if (nodeError) return nodeError.trim();
  return (lines.findLast((line) => line.trim() !== "" && !DEBUG.test(line)) ?? lines.at(-1))?.trim();
}
