// One user turn: what the agent emitted for it, and when it is over.

import { type DeliveredEvent, isBusy, type SessionEvent } from "../protocol/events.ts";
import type { KeyedEvent } from "./translate.ts";

/** How long to wait, after the agent's response, for events of the turn still in flight. */
export const SETTLE_MAX_MS = 300;

export type TurnSink = (event: DeliveredEvent) => void;

export class Turn {
  private readonly primaryKeys = new Set<string>();
  private readonly anyKeys = new Set<string>();
  private agentBusy = false;
  private pendingItems: KeyedEvent[] | undefined;
  private settleWaiter: (() => void) | undefined;
  readonly events: DeliveredEvent[] = [];

  constructor(
    readonly text: string,
    private readonly sink: TurnSink,
  ) {}

  emit(event: SessionEvent, earlier = false): void {
    const delivered: DeliveredEvent = earlier
      ? { ...event, earlier, at: Date.now() }
      : { ...event, at: Date.now() };
    this.events.push(delivered);
    this.sink(delivered);
  }

  /** An event from the agent during this turn (duplicates by item id are dropped). */
  deliver(keyed: KeyedEvent): void {
    const primary = keyed.keys[0];
    if (primary !== undefined) {
      if (this.primaryKeys.has(primary)) return;
      this.primaryKeys.add(primary);
    }
    for (const key of keyed.keys) this.anyKeys.add(key);
    if (keyed.event.type === "state") {
      this.agentBusy = isBusy(keyed.event.agent);
    }
    this.emit(keyed.event);
    this.settleWaiter?.();
  }

  /**
   * After the agent's response: wait until every item it lists was seen as an event and the
   * agent is no longer thinking or speaking, at most SETTLE_MAX_MS; then show what never came.
   */
  async settle(responseItems: KeyedEvent[], maxMs = SETTLE_MAX_MS): Promise<void> {
    this.pendingItems = responseItems;
    const deadline = Date.now() + maxMs;
    while (!this.isSettled() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.settleWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.settleWaiter = undefined;
    }
    for (const item of this.missingItems()) this.deliver(item);
  }

  private missingItems(): KeyedEvent[] {
    return (this.pendingItems ?? []).filter(
      (item) => item.keys.length > 0 && !item.keys.some((key) => this.anyKeys.has(key)),
    );
  }

  private isSettled(): boolean {
    return !this.agentBusy && this.missingItems().length === 0;
  }
}
