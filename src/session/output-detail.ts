// How every command shows a log's last lines under a failure.

import { logText } from "../render/visible.ts";

/** `title` and the lines indented below it, as plain text; nothing when there are no lines. */
export function outputDetail(title: string, lines: string[] | undefined): string[] {
  return lines?.length ? [title, ...lines.map((l) => `  ${logText(l)}`)] : [];
}
