import { describe, expect, test } from "bun:test";
import type { KeyedEvent } from "../../src/daemon/translate.ts";
import { Turn } from "../../src/daemon/turn.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";

const reply = (id: string, text: string): KeyedEvent => ({
  event: { type: "message", role: "assistant", text },
  keys: [`msg:${id}`, `msg-text:${text}`],
});
const state = (agent: "thinking" | "speaking" | "listening"): KeyedEvent => ({
  event: { type: "state", agent },
  keys: [],
});

function collect(): { turn: Turn; got: DeliveredEvent[] } {
  const got: DeliveredEvent[] = [];
  return { turn: new Turn("hi", (e) => got.push(e)), got };
}

/** Far beyond any test's timeout: a settle that waited for its deadline would never finish here. */
const NEVER_MS = 60 * 60 * 1000;

/** Resolves after the current task and every microtask it queued, before any timer can fire. */
const afterPendingMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has resolved by now; never waits for a timer. */
async function hasResolved(promise: Promise<unknown>): Promise<boolean> {
  let resolved = false;
  promise.then(() => {
    resolved = true;
  });
  await afterPendingMicrotasks();
  return resolved;
}

describe("turn settling", () => {
  test("done at once when every response item was seen and the agent is listening", async () => {
    const { turn, got } = collect();
    turn.deliver(state("thinking"));
    turn.deliver(reply("m1", "hello"));
    turn.deliver(state("listening"));
    // Resolved without its deadline timer: nothing was missing, so nothing was waited for.
    expect(await hasResolved(turn.settle([reply("m1", "hello")], NEVER_MS))).toBe(true);
    expect(got.map((e) => e.type)).toEqual(["state", "message", "state"]);
  });

  test("waits for late events of the turn, then ends as soon as they came", async () => {
    const { turn, got } = collect();
    turn.deliver(state("thinking"));
    const settled = turn.settle([reply("m1", "late")], NEVER_MS);
    // The agent is still thinking and the reply has not come: settle waits.
    expect(await hasResolved(settled)).toBe(false);
    turn.deliver(reply("m1", "late"));
    // The reply came, but the agent is still busy: still waiting.
    expect(await hasResolved(settled)).toBe(false);
    turn.deliver(state("listening"));
    // The last event ends the wait through the event path, long before the deadline.
    expect(await hasResolved(settled)).toBe(true);
    expect(got.filter((e) => e.type === "message")).toHaveLength(1);
    expect(got.map((e) => e.type)).toEqual(["state", "message", "state"]);
  });

  test("items that never arrive as events are shown from the response", async () => {
    const { turn, got } = collect();
    await turn.settle([reply("m9", "only in the response")], 30);
    expect(got.map((e) => (e.type === "message" ? e.text : e.type))).toEqual(["only in the response"]);
  });

  test("the same item is shown once, even when its id differs between event and response", async () => {
    const { turn, got } = collect();
    turn.deliver(reply("event-id", "same words"));
    turn.deliver(reply("event-id", "same words"));
    await turn.settle([reply("response-id", "same words")], 30);
    expect(got.filter((e) => e.type === "message")).toHaveLength(1);
  });
});
