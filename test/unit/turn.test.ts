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

describe("turn settling", () => {
  test("done at once when every response item was seen and the agent is listening", async () => {
    const { turn } = collect();
    turn.deliver(state("thinking"));
    turn.deliver(reply("m1", "hello"));
    turn.deliver(state("listening"));
    const t = performance.now();
    await turn.settle([reply("m1", "hello")], 1000);
    expect(performance.now() - t).toBeLessThan(50);
  });

  test("waits for late events of the turn, then ends as soon as they came", async () => {
    const { turn, got } = collect();
    turn.deliver(state("thinking"));
    setTimeout(() => {
      turn.deliver(reply("m1", "late"));
      turn.deliver(state("listening"));
    }, 40);
    const t = performance.now();
    await turn.settle([reply("m1", "late")], 1000);
    expect(performance.now() - t).toBeLessThan(500);
    expect(got.filter((e) => e.type === "message")).toHaveLength(1);
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
