// One user turn: what the agent emitted for it, and when it is over.

import { type DeliveredEvent, isBusy, type SessionEvent } from "../protocol/events.ts";
import type { KeyedEvent } from "./translate.ts";

/** How long to wait, after the agent's response, for events of the turn still in flight. */
export const SETTLE_MAX_MS = 300;

export type TurnSink = (event: DeliveredEvent) => void;

/** The agent's own record of a user message: the sign it has taken in the turn's text. */
export function isUserInput(event: SessionEvent): boolean {
  return event.type === "message" && event.role === "user";
}

export class Turn {
  private readonly primaryKeys = new Set<string>();
  private readonly anyKeys = new Set<string>();
  private agentBusy = false;
  /**
   * What the agent emitted before it took in the turn's text: output it had under way (a late
   * greeting), unless the agent never reports the user message; `sortOut` decides which.
   */
  private held: { event: SessionEvent; at: number }[] | undefined = [];
  /** When the agent made the turn's user message, if it says. */
  private inputMadeAt: number | undefined;
  private pendingItems: KeyedEvent[] | undefined;
  private settleWaiter: (() => void) | undefined;
  /** Made just before the turn is sent: when the user said it, if the agent never says it took it in. */
  private readonly sentAt = Date.now();
  /** A spoken turn's user message as the agent made it: what it heard. */
  private heard: string | undefined;
  readonly events: DeliveredEvent[] = [];

  constructor(
    readonly text: string,
    /** Its number in the session (from 1); what it shows as earlier output belongs to the one before. */
    readonly number: number,
    private readonly sink: TurnSink,
    /** Spoken into the agent's mic (an audio session): its user message shows what the agent heard. */
    private readonly spoken = false,
  ) {}

  /** `at`: when it came (an event held back keeps its time). */
  private emit(event: SessionEvent, earlier = false, at = Date.now()): void {
    const delivered: DeliveredEvent = earlier
      ? { ...event, earlier, at, turn: this.number - 1 }
      : { ...event, at, turn: this.number };
    this.events.push(delivered);
    this.sink(delivered);
  }

  /** Output from before this turn, already marked so (kept by the session between turns). */
  emitKept(event: DeliveredEvent): void {
    this.events.push(event);
    this.sink(event);
  }

  /** An event from the agent during this turn, come `at` (duplicates by item id are dropped). */
  deliver(keyed: KeyedEvent, at = Date.now()): void {
    if (isUserInput(keyed.event)) {
      // Shown as sent, not as the agent echoes it; its keys are not kept, or an echo of the same
      // text would pass for a reply already seen. A spoken turn shows what the agent heard beside it.
      if (this.held) this.inputMadeAt = keyed.madeAt;
      if (this.held && this.spoken && keyed.event.type === "message") this.heard = keyed.event.text;
      this.sortOut({ inputSeen: true });
      return;
    }
    const primary = keyed.keys[0];
    if (primary !== undefined) {
      if (this.primaryKeys.has(primary)) return;
      this.primaryKeys.add(primary);
    }
    for (const key of keyed.keys) this.anyKeys.add(key);
    if (keyed.event.type === "state") {
      this.agentBusy = isBusy(keyed.event.agent);
    }
    if (this.held) this.held.push({ event: keyed.event, at });
    else this.emit(keyed.event, this.madeBeforeInput(keyed), at);
    this.settleWaiter?.();
  }

  /** Reported after the user message, but begun before it (Node agents add an interrupted greeting so). */
  private madeBeforeInput(keyed: KeyedEvent): boolean {
    return keyed.madeAt !== undefined && this.inputMadeAt !== undefined && keyed.madeAt < this.inputMadeAt;
  }

  /**
   * Shows the user's text and what was held back: as earlier output when the agent has taken in
   * the text since (it came before), else as this turn's own. Once per turn; later calls do nothing.
   */
  sortOut({ inputSeen }: { inputSeen: boolean }): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    const earlier = inputSeen ? held.filter((h) => !this.turnsOwnLine(h)) : [];
    const own = inputSeen ? held.filter((h) => this.turnsOwnLine(h)) : held;
    // Each keeps when it came; the user's text comes no later than the first of its turn's own.
    for (const { event, at } of earlier) this.emit(event, true, at);
    const userAt = inputSeen ? Math.min(Date.now(), own[0]?.at ?? Infinity) : this.sentAt;
    const heard = this.heard === undefined ? {} : { heard: this.heard };
    this.emit({ type: "message", role: "user", text: this.text, ...heard }, false, userAt);
    for (const { event, at } of own) this.emit(event, false, at);
  }

  /**
   * A log line held back is the turn's own unless it came before the agent made the user message:
   * the agent's output pipe and its session events keep no order between them (Python logs a tool
   * it runs for the turn before its event for the user message arrives), so the agent's own time
   * for that message decides, and without one the line (it came after the turn was sent) is the turn's.
   */
  private turnsOwnLine({ event, at }: { event: SessionEvent; at: number }): boolean {
    return event.type === "log" && !(this.inputMadeAt !== undefined && at < this.inputMadeAt);
  }

  /**
   * After the agent's response: wait until every item it lists was seen as an event and the
   * agent is no longer thinking or speaking, at most SETTLE_MAX_MS; then show what never came.
   */
  async settle(responseItems: KeyedEvent[], maxMs = SETTLE_MAX_MS): Promise<void> {
    // An agent that answered without reporting the user message: all it said is this turn's.
    this.sortOut({ inputSeen: false });
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
