// Every command reports through one of these: text for people (colors on a terminal), or with
// --json newline-delimited JSON: one line per event as it happens, then one final result line.

import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { type Colors, colorsFor, TextRenderer } from "./text.ts";
import { safeJson, visible } from "./visible.ts";

/** Bumped when a field changes meaning or disappears (adding fields does not bump it). */
export const JSON_SCHEMA_VERSION = 1;

export interface Streams {
  out: { write(text: string): unknown; isTTY?: boolean };
  err: { write(text: string): unknown; isTTY?: boolean };
}

export class Reporter {
  readonly events: DeliveredEvent[] = [];
  readonly startedAt = performance.now();
  readonly colors: Colors;
  readonly errColors: Colors;
  private readonly text: TextRenderer;
  private reported: number | undefined;

  constructor(
    readonly command: string,
    readonly json: boolean,
    readonly io: Streams,
    /**
     * Fields every result has, failures included, from the events so far (`say`'s text, reply and
     * events); a command may set it again once it knows more.
     */
    public resultDefaults?: (events: DeliveredEvent[]) => Record<string, unknown>,
  ) {
    this.colors = colorsFor(io.out);
    this.errColors = colorsFor(io.err);
    this.text = new TextRenderer((t) => io.out.write(t), this.colors);
  }

  event(event: DeliveredEvent): void {
    this.events.push(event);
    if (this.json) this.line({ kind: "event", event });
    else this.text.event(event);
  }

  /** An event of a feed that may run for hours: printed (`text`, or its JSON line), not kept. */
  pass(event: DeliveredEvent, text: string): void {
    if (this.json) this.line({ kind: "event", event });
    else this.io.out.write(`${text}\n`);
  }

  /** A line for people (suppressed with --json, where the result carries the same facts). */
  info(text: string): void {
    if (!this.json) this.io.out.write(`${text}\n`);
  }

  /** Progress or notes for people, on stderr. */
  note(text: string): void {
    if (!this.json) this.io.err.write(`${text}\n`);
  }

  /** The exit code once the result is out: a command reports once, even when interrupted as it ends. */
  get finishedWith(): number | undefined {
    return this.reported;
  }

  /** The final line: ok, exit code, duration, and whatever the command adds. Returns the exit code (the first one). */
  finish(
    exitCode: number,
    fields: Record<string, unknown> = {},
    error?: { message: string; detail: string[] },
  ): number {
    if (this.reported !== undefined) return this.reported;
    this.reported = exitCode;
    if (this.json) {
      this.line({
        kind: "result",
        command: this.command,
        ok: exitCode === 0,
        exitCode,
        ...(error ? { error: error.message, detail: error.detail } : {}),
        durationMs: Math.round(performance.now() - this.startedAt),
        ...this.resultDefaults?.(this.events),
        ...fields,
      });
    } else if (error) {
      // Messages and details can carry the agent's words (its errors, its reply, its last output).
      this.io.err.write(`${this.errColors.red(visible(error.message))}\n`);
      for (const line of error.detail) this.io.err.write(`  ${visible(line)}\n`);
    }
    return exitCode;
  }

  fail(error: unknown, fields: Record<string, unknown> = {}): number {
    if (error instanceof UserError)
      return this.finish(error.exitCode, fields, { message: error.message, detail: error.detail });
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return this.finish(1, fields, { message: `unexpected error: ${message}`, detail: [] });
  }

  private line(value: Record<string, unknown>): void {
    this.io.out.write(`${safeJson({ v: JSON_SCHEMA_VERSION, ...value })}\n`);
  }
}

/** Assistant text of a turn, earlier output excluded: what `--expect` and `reply` look at. */
export function replyText(events: DeliveredEvent[]): string {
  return events
    .filter((e) => e.type === "message" && e.role === "assistant" && !e.earlier)
    .map((e) => (e.type === "message" ? e.text : ""))
    .join("\n");
}

/** How many events of earlier output the daemon had to drop before these arrived. */
export function droppedCount(events: DeliveredEvent[]): number {
  return events.reduce((sum, e) => sum + (e.type === "dropped" ? e.count : 0), 0);
}
