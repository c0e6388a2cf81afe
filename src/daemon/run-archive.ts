// The conversations of a session's earlier runs (the agents before its restarts), kept by the daemon
// (in memory: each old agent's chat history, read as a restart replaces it) so that a transcript
// covers the whole session. Bounded: a long-lived session with many restarts keeps the
// newest events, led by a notice of how many were dropped.

import type { DeliveredEvent } from "../protocol/events.ts";

/** At most this many events of earlier runs are kept… */
export const MAX_ARCHIVED_EVENTS = 10_000;
/** …and at most this much of their text (as JSON). */
export const MAX_ARCHIVED_BYTES = 16 * 1024 * 1024;

export class RunArchive {
  private kept: { event: DeliveredEvent; bytes: number }[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(
    private readonly maxEvents = MAX_ARCHIVED_EVENTS,
    private readonly maxBytes = MAX_ARCHIVED_BYTES,
  ) {}

  /** Runs to keep, in order, each closed by its `restart` marker (a notice of what they dropped counts in). */
  add(events: DeliveredEvent[]): void {
    for (const event of events) {
      if (event.type === "dropped" && this.kept.length === 0) {
        this.dropped += event.count;
        continue;
      }
      const bytes = JSON.stringify(event).length;
      this.kept.push({ event, bytes });
      this.bytes += bytes;
    }
    while (this.kept.length > this.maxEvents || (this.bytes > this.maxBytes && this.kept.length > 0)) {
      const gone = this.kept.shift();
      this.bytes -= gone?.bytes ?? 0;
      this.dropped++;
    }
  }

  /** What is kept, oldest first, led by a notice when some had to go. */
  get events(): DeliveredEvent[] {
    const events = this.kept.map((k) => k.event);
    if (this.dropped === 0) return events;
    const at = events[0]?.at ?? null;
    return [{ type: "dropped", count: this.dropped, at, turn: null }, ...events];
  }
}
