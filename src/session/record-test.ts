// A conversation saved as a scenario (`end --save-test`, `history --save-test`): the real entrypoint
// and runtime args, every user turn, and expectations taken from what happened: the tools called
// with their arguments, handoffs, and the reply's first sentence as a case-insensitive substring
// (so that the next run is not brittle on exact wording).

import { writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, parse, relative, sep } from "node:path";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { scenarioName } from "./scenario.ts";

interface RecordedTurn {
  text: string;
  tools: { name: string; args?: Record<string, unknown> }[];
  handoffs: { from?: string; to: string }[];
  reply: string[];
}

/** The history cut into turns at each user message; what came before the first one (the greeting) is left out. */
export function recordedTurns(events: DeliveredEvent[]): RecordedTurn[] {
  const turns: RecordedTurn[] = [];
  for (const e of events) {
    if (e.type === "message" && e.role === "user") {
      turns.push({ text: e.text, tools: [], handoffs: [], reply: [] });
      continue;
    }
    const turn = turns.at(-1);
    if (!turn) continue;
    if (e.type === "tool_call") turn.tools.push({ name: e.name, ...argsOf(e.arguments) });
    else if (e.type === "handoff") turn.handoffs.push({ to: e.to, ...(e.from ? { from: e.from } : {}) });
    else if (e.type === "message" && e.role === "assistant") turn.reply.push(e.text);
  }
  return turns;
}

/** "Hi, this is the billing agent. How can I help?" → "Hi, this is the billing agent." */
export function firstSentence(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0]?.trim() ?? "";
  return /^.*?[.!?](?=\s|$)/.exec(line)?.[0] ?? line;
}

/** The scenario's YAML; `file` is where it goes (the entrypoint is written relative to its folder). */
export function scenarioYaml(
  events: DeliveredEvent[],
  state: SessionState,
  file: string,
  how: string,
): string {
  const q = yamlString;
  const out = [
    `# Recorded by \`${how}\` from a session with ${state.agent.entry}; edit freely.`,
    `# Run it: lk agent session test ${basename(file)}`,
    `name: ${q(scenarioName(file))}`,
    `agent: ${q(entryFrom(dirname(file), join(state.agent.root, state.agent.entry)))}`,
  ];
  if (state.agent.runtimeArgs.length) out.push(`args: ${JSON.stringify(state.agent.runtimeArgs)}`);
  out.push("turns:");
  for (const turn of recordedTurns(events)) {
    out.push(`  - user: ${q(turn.text)}`);
    const expect: string[] = [];
    for (const tool of turn.tools) {
      expect.push(`      - tool: ${q(tool.name)}`);
      if (tool.args) expect.push(`        args: ${JSON.stringify(tool.args)}`);
    }
    for (const h of turn.handoffs) {
      expect.push(`      - handoff: ${q(h.to)}`);
      if (h.from) expect.push(`        from: ${q(h.from)}`);
    }
    const sentence = firstSentence(turn.reply.join("\n"));
    if (sentence) expect.push(`      - reply: ${q(`/${escapeRegex(sentence)}/i`)}`);
    if (expect.length) out.push("    expect:", ...expect);
  }
  return `${out.join("\n")}\n`;
}

/** Writes the scenario; a failure says the session is still running. Returns how many turns it holds. */
export function saveTest(events: DeliveredEvent[], state: SessionState, file: string, how: string): number {
  const turns = recordedTurns(events).length;
  if (turns === 0)
    throw new UserError("nothing to save as a test: the conversation has no user turns yet", 1, [
      'say something first: lk agent session say "…"',
    ]);
  try {
    writeFileSync(file, scenarioYaml(events, state, file, how));
  } catch (error) {
    throw new UserError(`could not write the test to ${file}: ${(error as Error).message}`, 1, [
      "the session is still running",
    ]);
  }
  return turns;
}

/** The entrypoint relative to the test's folder, or absolute when the two share nothing but the root. */
function entryFrom(dir: string, entry: string): string {
  const rel = relative(dir, entry);
  const ups = rel.split(sep).filter((part) => part === "..").length;
  const depth = relative(parse(dir).root, dir).split(sep).filter(Boolean).length;
  return (isAbsolute(rel) || (ups > 0 && ups >= depth) ? entry : rel).split(sep).join("/");
}

/** A YAML scalar that reads back as `value`: JSON's double quotes, or single quotes for text with backslashes. */
function yamlString(value: string): string {
  const printable = !/\p{Cc}/u.test(value);
  return value.includes("\\") && printable ? `'${value.replaceAll("'", "''")}'` : JSON.stringify(value);
}

/** Arguments worth checking: a non-empty JSON object. */
function argsOf(raw: string): { args?: Record<string, unknown> } {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length)
      return { args: value as Record<string, unknown> };
  } catch {}
  return {};
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
