import { describe, expect, test } from "bun:test";
import type { KeyedEvent } from "../../src/daemon/translate.ts";
import { Turn } from "../../src/daemon/turn.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";

const reply = (id: string, text: string): KeyedEvent => ({
  event: { type: "message", role: "assistant", text },
  keys: [`msg:${id}`, `msg-text:${text}`],
});
/** The agent's record of the turn's text: what tells output from before the turn from the turn's own. */
const input: KeyedEvent = { event: { type: "message", role: "user", text: "hi" }, keys: ["msg:u1"] };
const state = (agent: "thinking" | "speaking" | "listening"): KeyedEvent => ({
  event: { type: "state", agent },
  keys: [],
});

function collect(): { turn: Turn; got: DeliveredEvent[] } {
  const got: DeliveredEvent[] = [];
  return { turn: new Turn("hi", 3, (e) => got.push(e)), got };
}

const summary = (e: DeliveredEvent) =>
  e.type === "message" ? `${e.role}: ${e.text}${e.earlier ? " (earlier)" : ""}` : e.type;

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
    turn.deliver(input);
    turn.deliver(state("thinking"));
    turn.deliver(reply("m1", "hello"));
    turn.deliver(state("listening"));
    // Resolved without its deadline timer: nothing was missing, so nothing was waited for.
    expect(await hasResolved(turn.settle([reply("m1", "hello")], NEVER_MS))).toBe(true);
    expect(got.map(summary)).toEqual(["user: hi", "state", "assistant: hello", "state"]);
  });

  test("waits for late events of the turn, then ends as soon as they came", async () => {
    const { turn, got } = collect();
    turn.deliver(input);
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
    expect(got.map(summary)).toEqual(["user: hi", "state", "assistant: late", "state"]);
  });

  test("items that never arrive as events are shown from the response", async () => {
    const { turn, got } = collect();
    await turn.settle([reply("m9", "only in the response")], 30);
    expect(got.map(summary)).toEqual(["user: hi", "assistant: only in the response"]);
  });

  test("the same item is shown once, even when its id differs between event and response", async () => {
    const { turn, got } = collect();
    turn.deliver(reply("event-id", "same words"));
    turn.deliver(reply("event-id", "same words"));
    await turn.settle([reply("response-id", "same words")], 30);
    expect(got.filter((e) => e.type === "message" && e.role === "assistant")).toHaveLength(1);
  });
});

describe("output from before the turn", () => {
  test("what came before the agent took in the turn's text is earlier, shown before the user's line", () => {
    const { turn, got } = collect();
    turn.deliver(state("speaking"));
    turn.deliver(reply("g", "a late greeting"));
    // Held until the agent says whether it has taken in the text.
    expect(got).toEqual([]);
    turn.deliver(input);
    turn.deliver(reply("m1", "hi"));
    expect(got.map(summary)).toEqual([
      "state",
      "assistant: a late greeting (earlier)",
      "user: hi",
      "assistant: hi",
    ]);
    expect(got[0]?.earlier).toBe(true);
    // This is turn 3: what it shows as earlier output belongs to the turn before.
    expect(got.map((e) => e.turn)).toEqual([2, 2, 3, 3]);
  });

  test("an item reported after the user's message but made before it is earlier (Node's interrupted greeting)", () => {
    const { turn, got } = collect();
    turn.deliver({ ...input, madeAt: 2000 });
    turn.deliver({ ...reply("g", "a greeting"), madeAt: 1000 });
    turn.deliver({ ...reply("m1", "hi"), madeAt: 2001 });
    turn.deliver(reply("m2", "no time given"));
    expect(got.map(summary)).toEqual([
      "user: hi",
      "assistant: a greeting (earlier)",
      "assistant: hi",
      "assistant: no time given",
    ]);
    expect(got.map((e) => e.turn)).toEqual([3, 2, 3, 3]);
  });

  test("an agent that never reports the user's message keeps its reply: it is the turn's at the response", async () => {
    const { turn, got } = collect();
    turn.deliver(reply("m1", "the reply"));
    expect(got).toEqual([]);
    await turn.settle([reply("m1", "the reply")], NEVER_MS);
    expect(got.map(summary)).toEqual(["user: hi", "assistant: the reply"]);
  });

  test("a turn that ends without a response still shows the user's line and what came", () => {
    const { turn, got } = collect();
    turn.deliver(reply("m1", "half"));
    turn.sortOut({ inputSeen: false });
    turn.sortOut({ inputSeen: true });
    expect(got.map(summary)).toEqual(["user: hi", "assistant: half"]);
  });

  test("an echo of the user's text, only in the response, is still shown", async () => {
    const { turn, got } = collect();
    turn.deliver({ event: { type: "message", role: "user", text: "hi" }, keys: ["msg:u1", "msg-text:hi"] });
    await turn.settle([reply("m1", "hi")], 30);
    expect(got.map(summary)).toEqual(["user: hi", "assistant: hi"]);
  });

  test("the agent's own copy of the user's message is not shown, nor a second one", () => {
    const { turn, got } = collect();
    turn.deliver(input);
    turn.deliver({ event: { type: "message", role: "user", text: "again" }, keys: ["msg:u2"] });
    expect(got.map(summary)).toEqual(["user: hi"]);
  });
});
