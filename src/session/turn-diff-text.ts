// restart --replay in words: one line for a turn that made the same as before, a compact - / +
// diff under it for what changed.

import { type Colors, firstLine } from "../render/text.ts";
import { visible } from "../render/visible.ts";
import type { TurnDiff, TurnRun } from "./turn-diff.ts";

/** `turn 2 "what's the weather in Paris?": reply changed; tools unchanged`, then the diff. */
export function turnDiffLines(d: TurnDiff, c: Colors): string[] {
  const head = `turn ${d.turn} "${firstLine(d.text)}": `;
  if (d.error !== undefined) return [`${head}${c.red(`failed: ${firstLine(d.error)}`)}`];
  const reply = d.changes.includes("reply");
  const tools = d.changes.includes("tools");
  const verdict = !d.changed
    ? c.dim("unchanged")
    : reply && tools
      ? "reply and tools changed"
      : reply
        ? "reply changed; tools unchanged"
        : "tools changed; reply unchanged";
  const lines = [`${head}${verdict}`];
  if (reply) lines.push(...replyLines("-", d.before, c.red), ...replyLines("+", d.after, c.green));
  if (tools)
    lines.push(c.red(`  - tools: ${toolsText(d.before)}`), c.green(`  + tools: ${toolsText(d.after)}`));
  return lines;
}

/** `Replayed 3 turns: 1 changed, 2 unchanged.` */
export function replaySummary(diffs: TurnDiff[]): string {
  const changed = diffs.filter((d) => d.changed).length;
  const n = diffs.length;
  return `Replayed ${n} turn${n === 1 ? "" : "s"}: ${changed} changed, ${n - changed} unchanged.`;
}

function replyLines(mark: string, run: TurnRun, color: (s: string) => string): string[] {
  const lines = run.reply === "" ? ["(no reply)"] : visible(run.reply).split("\n");
  return lines.map((line, i) => color(`  ${i === 0 ? mark : " "} ${line}`));
}

/** `lookup_weather {"location":"Paris"}, end_call`, or `(none)`. */
function toolsText(run: TurnRun): string {
  if (!run.tools.length) return "(none)";
  return visible(
    run.tools
      .map((t) => (t.arguments && t.arguments !== "{}" ? `${t.name} ${t.arguments}` : t.name))
      .join(", "),
  );
}
