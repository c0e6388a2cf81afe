// The `events` feed: the last events and agent log lines, kept in two bounded rings (so a chatty log
// cannot push the conversation out), and the clients watching them live. Watching takes nothing
// from the output the next `say` shows.

import type { DeliveredEvent } from "../protocol/events.ts";

/** How many events, and how many log lines, `events --last` can replay. */
export const FEED_KEEP = 500;

export interface Watcher {
  /** Log lines too. */
  logs: boolean;
  send(event: DeliveredEvent): void;
  /** The session ended (why, for a person). */
  end(ended: string): void;
}

/** The newest `size` items, oldest first. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  toArray(): T[] {
    if (this.items.length < this.size) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export class Feed {
  private readonly events: Ring<DeliveredEvent>;
  private readonly logs: Ring<DeliveredEvent>;
  private readonly watchers = new Set<Watcher>();

  constructor(keep = FEED_KEEP) {
    this.events = new Ring(keep);
    this.logs = new Ring(keep);
  }

  push(event: DeliveredEvent): void {
    const log = event.type === "log";
    (log ? this.logs : this.events).push(event);
    for (const watcher of this.watchers) if (!log || watcher.logs) watcher.send(event);
  }

  /**
   * The last `count` events, oldest first; with `logs`, the log lines of the same span among them
   * (a chatty log never pushes the conversation out of the replay).
   */
  recent(count: number, logs: boolean): DeliveredEvent[] {
    if (count <= 0) return [];
    const all = this.events.toArray();
    const events = all.slice(-count);
    if (!logs) return events;
    // All that is kept when the events asked for go back further than what is kept.
    const since = events.length === count ? (events[0]?.at ?? 0) : 0;
    return mergeByTime(
      events,
      this.logs.toArray().filter((line) => (line.at ?? 0) >= since),
    );
  }

  /** Live from now on; returns how to stop. */
  watch(watcher: Watcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** The session is over: every watcher is told why. */
  end(ended: string): void {
    for (const watcher of [...this.watchers]) watcher.end(ended);
    this.watchers.clear();
  }

  get watching(): number {
    return this.watchers.size;
  }
}

/** Two lists each in time order, as one (ties: events first). */
function mergeByTime(a: DeliveredEvent[], b: DeliveredEvent[]): DeliveredEvent[] {
  const out: DeliveredEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && (x.at ?? 0) <= (y.at ?? 0))) {
      out.push(x as DeliveredEvent);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}
