// Events as the seed session shows them: a bullet and title per block, the body indented below.

// picocolors' own colorless build: the same functions, each returning its input.
import plain from "picocolors/picocolors.browser.js";
import type { Colors } from "picocolors/types";
import { sameWords } from "../protocol/audio.ts";
import type { DeliveredEvent, SessionEvent } from "../protocol/events.ts";
import { clockTime } from "./time.ts";
import { ToolProgress } from "./tool-progress.ts";
import { visible as v } from "./visible.ts";

export type { Colors };

type LogEvent = Extract<DeliveredEvent, { type: "log" }>;

/** Colors only for a terminal, never when NO_COLOR is set (FORCE_COLOR forces them on, FORCE_COLOR=0 off). */
export function colorsFor(stream: { isTTY?: boolean }, env = process.env): Colors {
  const enabled =
    !("NO_COLOR" in env && env.NO_COLOR !== "") &&
    env.FORCE_COLOR !== "0" &&
    (env.FORCE_COLOR !== undefined || (stream.isTTY === true && env.TERM !== "dumb"));
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
  return firstLine(unquoteOutput(raw));
}

/** The first line of a text, trimmed, made visible, at most 120 characters. */
export function firstLine(text: string): string {
  const first = v(text.trim().split(/\r?\n/, 1)[0]?.trim() ?? "");
  // Count characters, not bytes or UTF-16 units, so nothing is cut in half.
  const chars = Array.from(first);
  return chars.length > MAX_OUTPUT_CHARS ? `${chars.slice(0, MAX_OUTPUT_CHARS - 1).join("")}…` : first;
}

/** A tool output without the JSON quotes some agents (Node.js) put around a string. */
export function unquoteOutput(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === "string") return parsed;
  } catch {}
  return raw;
}

/** "(3 earlier events were dropped)": the daemon keeps only so much output between turns. */
export function droppedLine(count: number): string {
  return count === 1 ? "(1 earlier event was dropped)" : `(${count} earlier events were dropped)`;
}

/** The line between two runs of a session: "── the agent restarted (12:03:07) ──". */
export function restartLine(at: number | null): string {
  return `── the agent restarted${at === null ? "" : ` (${clockTime(at)})`} ──`;
}

/** Under a restart marker whose run before it is missing: why. */
export function unreadRunLine(why: string): string {
  return `(the conversation before this restart is missing: the agent did not give it: ${why})`;
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

export interface TextOptions {
  /** A terminal: running tools get a live line (ToolProgress). */
  live?: boolean;
  /** The clock the live line counts with (tests pass their own). */
  now?: () => number;
}

export class TextRenderer {
  private lastCallId: string | undefined;
  private readonly progress: ToolProgress | undefined;
  private readonly write: (text: string) => void;
  /**
   * Log lines wait for the next step: a tool's lines come before its event (or with it), so they
   * are shown under its ✓/✗; before any other step they are shown as they came, ahead of it.
   */
  private held: LogEvent[] = [];
  private inEarlierLog = false;

  constructor(
    write: (text: string) => void,
    private readonly c: Colors,
    options: TextOptions = {},
  ) {
    const progress = options.live ? new ToolProgress(write, c, options.now) : undefined;
    this.progress = progress;
    this.write = progress ? (text) => progress.print(text) : write;
  }

  /** The events are over: held log lines are shown and a live line is taken off. */
  finish(): void {
    this.showHeld();
    this.progress?.stop();
  }

  event(e: DeliveredEvent): void {
    const earlier = e.earlier ? this.c.dim(" (before this turn)") : "";
    // Every text from the agent (or echoed from the user) goes through v(): shown, never obeyed.
    if (e.type !== "log") this.inEarlierLog = false;
    switch (e.type) {
      case "log":
        this.log(e);
        return;
      case "state":
      case "user_state":
        return;
      case "tool_started":
        // One from between turns may have ended unseen: no live line for it.
        if (!e.earlier) this.progress?.started(e.callId, v(e.name), e.at ?? Date.now());
        return;
      case "tool_ended":
        this.progress?.ended(e.callId);
        return;
      case "tool_call": {
        // Reported once it has run (function_tools_executed); lines held for it go under its output.
        this.progress?.ended(e.callId);
        const args = e.arguments && e.arguments !== "{}" ? ` ${this.c.dim(v(e.arguments))}` : "";
        this.block(`${this.c.yellow(`function_tool: ${v(e.name)}`)}${args}${earlier}`, []);
        this.lastCallId = e.callId;
        return;
      }
      case "tool_output": {
        this.progress?.ended(e.callId);
        const summary = summarizeToolOutput(e.output);
        if (this.lastCallId !== e.callId || !e.callId)
          this.block(`${this.c.yellow(`function_tool: ${v(e.name)}`)}${earlier}`, []);
        if (e.isError) {
          const raised = e.error ? ` ${this.c.dim(`(${summarizeToolOutput(e.error)})`)}` : "";
          this.write(`    ${this.c.red("✗")} ${summary}${raised}\n`);
        } else if (summary !== "") this.write(`    ${this.c.green("✓")} ${summary}\n`);
        this.showHeld();
        break;
      }
      case "message": {
        this.showHeld();
        if (e.role === "user" && e.heard !== undefined) {
          // A spoken turn: what the agent heard, and what was said when the words differ.
          const sent = sameWords(e.heard, e.text) ? [] : [this.c.dim(`(sent: ${v(e.text)})`)];
          this.block(`${this.c.cyan("You")}${this.c.dim(" (heard)")}${earlier}`, [
            ...v(e.heard).split("\n"),
            ...sent,
          ]);
          break;
        }
        const who =
          e.role === "user" ? this.c.cyan("You") : this.c.green(e.role === "assistant" ? "Agent" : e.role);
        const note = e.interrupted ? this.c.dim(" (interrupted)") : "";
        this.block(`${who}${earlier}${note}`, v(e.text).split("\n"));
        break;
      }
      case "handoff":
        this.showHeld();
        // Without a previous agent this is the session's first agent taking over.
        this.block(
          `${this.c.magenta(e.from ? `handoff: ${v(e.from)} → ${v(e.to)}` : `agent: ${v(e.to)}`)}${earlier}`,
          [],
        );
        break;
      case "config":
        this.showHeld();
        this.block(`${this.c.magenta("agent config")}${earlier}`, [configSummary(e)]);
        break;
      case "error":
        this.showHeld();
        this.block(
          `${this.c.red("error")}${earlier}`,
          v(e.message)
            .split("\n")
            .map((line) => this.c.red(line)),
        );
        break;
      case "dropped":
        this.write(`\n  ${this.c.dim(droppedLine(e.count))}\n`);
        break;
      case "restart":
        this.showHeld();
        this.write(`\n  ${this.c.dim(restartLine(e.at))}\n`);
        if (e.unread) this.write(`  ${this.c.dim(unreadRunLine(v(e.unread)))}\n`);
        break;
    }
    this.lastCallId = undefined;
  }

  /** Earlier lines are shown at once, under a heading of their own; the turn's wait for their step. */
  private log(e: LogEvent): void {
    if (!e.earlier) {
      this.held.push(e);
      return;
    }
    if (!this.inEarlierLog) this.block(this.c.dim("agent log (before this turn)"), []);
    this.inEarlierLog = true;
    this.logLine(e);
  }

  private showHeld(): void {
    for (const e of this.held.splice(0)) this.logLine(e);
  }

  private logLine(e: LogEvent): void {
    const bar = e.stream === "stderr" ? this.c.yellow("│") : this.c.dim("│");
    this.write(`    ${bar} ${this.c.dim(v(e.line))}\n`);
  }

  private block(title: string, body: string[]): void {
    // One write: a live line is taken off and put back once per block.
    this.write(`\n  ${this.c.bold("●")} ${title}\n${body.map((line) => `    ${line}\n`).join("")}`);
  }
}
