// Events as the seed session shows them: a bullet and title per block, the body indented below.

// picocolors' own colorless build: the same functions, each returning its input.
import plain from "picocolors/picocolors.browser.js";
import type { Colors } from "picocolors/types";
import type { DeliveredEvent, SessionEvent } from "../protocol/events.ts";
import { visible as v } from "./visible.ts";

export type { Colors };

/** Colors only for a terminal, never when NO_COLOR is set (FORCE_COLOR forces them on). */
export function colorsFor(stream: { isTTY?: boolean }, env = process.env): Colors {
  const enabled =
    !("NO_COLOR" in env && env.NO_COLOR !== "") &&
    ((env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") ||
      (stream.isTTY === true && env.TERM !== "dumb"));
  if (!enabled) return plain as Colors;
  // Loaded only when used: picocolors loads node:tty, ~12 ms of a compiled binary's start-up.
  return (require("picocolors") as { createColors(enabled: boolean): Colors }).createColors(true);
}

const MAX_OUTPUT_CHARS = 120;

/**
 * A tool's output on one line, safe to print: JSON strings unquoted (which can decode escapes, so
 * made visible after), first line only, at most 120 characters.
 */
export function summarizeToolOutput(raw: string): string {
  let text = raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === "string") text = parsed;
  } catch {}
  return firstLine(text);
}

/** The first line of a text, trimmed, made visible, at most 120 characters. */
export function firstLine(text: string): string {
  const first = v(text.trim().split(/\r?\n/, 1)[0]?.trim() ?? "");
  // Count characters, not bytes or UTF-16 units, so nothing is cut in half.
  const chars = Array.from(first);
  return chars.length > MAX_OUTPUT_CHARS ? `${chars.slice(0, MAX_OUTPUT_CHARS - 1).join("")}…` : first;
}

/** "(3 earlier events were dropped)": the daemon keeps only so much output between turns. */
export function droppedLine(count: number): string {
  return count === 1 ? "(1 earlier event was dropped)" : `(${count} earlier events were dropped)`;
}

/** What an agent_config_update changed: "instructions updated; tools added: a, b". */
export function configSummary(e: Extract<SessionEvent, { type: "config" }>): string {
  const parts = [
    e.instructionsUpdated ? "instructions updated" : "",
    e.toolsAdded.length ? `tools added: ${v(e.toolsAdded.join(", "))}` : "",
    e.toolsRemoved.length ? `tools removed: ${v(e.toolsRemoved.join(", "))}` : "",
  ].filter(Boolean);
  return parts.join("; ") || "updated";
}

export class TextRenderer {
  private lastCallId: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly c: Colors,
  ) {}

  event(e: DeliveredEvent): void {
    const earlier = e.earlier ? this.c.dim(" (before this turn)") : "";
    // Every text from the agent (or echoed from the user) goes through v(): shown, never obeyed.
    switch (e.type) {
      case "message": {
        const who =
          e.role === "user" ? this.c.cyan("You") : this.c.green(e.role === "assistant" ? "Agent" : e.role);
        const note = e.interrupted ? this.c.dim(" (interrupted)") : "";
        this.block(`${who}${earlier}${note}`, v(e.text).split("\n"));
        break;
      }
      case "tool_call": {
        const args = e.arguments && e.arguments !== "{}" ? ` ${this.c.dim(v(e.arguments))}` : "";
        this.block(`${this.c.yellow(`function_tool: ${v(e.name)}`)}${args}${earlier}`, []);
        this.lastCallId = e.callId;
        return;
      }
      case "tool_output": {
        const summary = summarizeToolOutput(e.output);
        if (this.lastCallId !== e.callId || !e.callId)
          this.block(`${this.c.yellow(`function_tool: ${v(e.name)}`)}${earlier}`, []);
        if (e.isError) {
          const raised = e.error ? ` ${this.c.dim(`(${summarizeToolOutput(e.error)})`)}` : "";
          this.write(`    ${this.c.red("✗")} ${summary}${raised}\n`);
        } else if (summary !== "") this.write(`    ${this.c.green("✓")} ${summary}\n`);
        break;
      }
      case "handoff":
        // Without a previous agent this is the session's first agent taking over.
        this.block(
          `${this.c.magenta(e.from ? `handoff: ${v(e.from)} → ${v(e.to)}` : `agent: ${v(e.to)}`)}${earlier}`,
          [],
        );
        break;
      case "config":
        this.block(`${this.c.magenta("agent config")}${earlier}`, [configSummary(e)]);
        break;
      case "error":
        this.block(
          `${this.c.red("error")}${earlier}`,
          v(e.message)
            .split("\n")
            .map((line) => this.c.red(line)),
        );
        break;
      case "state":
      case "user_state":
        return;
      case "log":
        this.write(`    ${this.c.dim(v(e.line))}\n`);
        return;
      case "dropped":
        this.write(`\n  ${this.c.dim(droppedLine(e.count))}\n`);
        break;
    }
    this.lastCallId = undefined;
  }

  private block(title: string, body: string[]): void {
    this.write(`\n  ${this.c.bold("●")} ${title}\n`);
    for (const line of body) this.write(`    ${line}\n`);
  }
}
