// On a terminal: a live "⋯ lookup_weather running 2.1 s" line while a tool runs longer than a
// moment, taken off before anything else is written and gone once the tool is done.

import type { Colors } from "picocolors/types";

/** A tool that has run this long gets a live line. */
export const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;

export class ToolProgress {
  private readonly running = new Map<string, { name: string; since: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly c: Colors,
    private readonly now: () => number = Date.now,
  ) {}

  started(callId: string, name: string, since: number): void {
    this.running.set(callId, { name, since });
    this.timer ??= setInterval(() => this.redraw(), REDRAW_MS);
    this.timer.unref?.();
  }

  ended(callId: string): void {
    if (!this.running.delete(callId)) return;
    if (this.running.size === 0) this.stop();
    else this.redraw();
  }

  /** Writes `text` with the live line taken off first and put back after. */
  print(text: string): void {
    this.clear();
    this.write(text);
    this.draw();
  }

  /** Takes the live line off and forgets every tool (the turn is over). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    this.clear();
  }

  /** Redraws the live line with the times as they are now (the timer's job; tests call it). */
  redraw(): void {
    this.clear();
    this.draw();
  }

  private draw(): void {
    const now = this.now();
    const due = [...this.running.values()].filter((t) => now - t.since >= SHOW_AFTER_MS);
    if (due.length === 0) return;
    const parts = due.map((t) => `${t.name} running ${((now - t.since) / 1000).toFixed(1)} s`);
    this.write(`    ${this.c.dim(`⋯ ${parts.join(" · ")}`)}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.write("\r\x1b[2K");
    this.shown = false;
  }
}
