// The `events` feed: the last events and agent log lines, kept in two bounded rings (so a chatty log
// cannot push the conversation out), and the clients watching them live. Watching takes nothing
// from the output the next `say` shows.

import type { DeliveredEvent } from "../protocol/events.ts";

/** How many events, and how many log lines, `events --last` can replay. */
export const FEED_KEEP = 500;
/**
 * And how much of their text (UTF-16 units): a count alone would let a run of 1 MB replies keep
 * 500 MB. The newest event is always kept.
 */
export const FEED_KEEP_CHARS = 8 * 1024 * 1024;

export interface Watcher {
  /** Log lines too. */
  logs: boolean;
  send(event: DeliveredEvent): void;
  /** The session ended (why, for a person). */
  end(ended: string): void;
}

/** The newest `size` items whose weights add up to at most `maxWeight` (the newest always), oldest first. */
export class Ring<T> {
  private items: (T | undefined)[] = [];
  private weights: number[] = [];
  /** Where the oldest kept item is: the ones before it are dropped, and compacted away now and then. */
  private head = 0;
  private weight = 0;

  constructor(
    private readonly size: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
    private readonly weigh: (item: T) => number = () => 0,
  ) {}

  push(item: T): void {
    const w = this.weigh(item);
    this.items.push(item);
    this.weights.push(w);
    this.weight += w;
    while (this.count > this.size || (this.weight > this.maxWeight && this.count > 1)) {
      this.weight -= this.weights[this.head] as number;
      this.items[this.head] = undefined;
      this.head++;
    }
    if (this.head > this.size) {
      this.items = this.items.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
  }

  get count(): number {
    return this.items.length - this.head;
  }

  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }
}

/** An event's weight: the text it carries. */
export function eventChars(event: DeliveredEvent): number {
  let chars = 0;
  for (const value of Object.values(event)) if (typeof value === "string") chars += value.length;
  return chars;
}

export class Feed {
  private readonly events: Ring<DeliveredEvent>;
  private readonly logs: Ring<DeliveredEvent>;
  private readonly watchers = new Set<Watcher>();

  constructor(keep = FEED_KEEP, keepChars = FEED_KEEP_CHARS) {
    this.events = new Ring(keep, keepChars, eventChars);
    this.logs = new Ring(keep, keepChars, eventChars);
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
