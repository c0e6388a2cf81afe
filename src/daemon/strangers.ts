// Connections not yet known (no token checked, not accepted as our agent) each hold a few KiB at
// most, and their number is capped: the oldest makes room for a newcomer, so a real client (which
// sends its token at once) still gets through while a flood holds the port.

export const MAX_STRANGERS = 64;

export class Strangers<T> {
  private readonly waiting = new Set<T>();

  /** `spare`: one never closed to make room (the would-be agent, of which there is one at most). */
  constructor(
    private readonly spare: (stranger: T) => boolean,
    private readonly max = MAX_STRANGERS,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Counts a new connection; returns the one to close to make room for it, if any. */
  admit(stranger: T): T | undefined {
    let oldest: T | undefined;
    if (this.waiting.size >= this.max) {
      for (const waiting of this.waiting) {
        if (this.spare(waiting)) continue;
        oldest = waiting;
        break;
      }
      if (oldest !== undefined) this.waiting.delete(oldest);
    }
    this.waiting.add(stranger);
    return oldest;
  }

  /** Known now, or gone. */
  forget(stranger: T): void {
    this.waiting.delete(stranger);
  }
}
