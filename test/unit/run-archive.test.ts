// The conversations of a session's earlier runs, kept by the daemon for its transcript: bounded.

import { describe, expect, test } from "bun:test";
import { historyEvents } from "../../src/daemon/control-handlers.ts";
import { RunArchive } from "../../src/daemon/run-archive.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import { ChatRole } from "../../src/wire/gen/livekit_agent_session.ts";

const said = (text: string, at = 1): DeliveredEvent => ({ type: "message", role: "user", text, at, turn: 1 });
const marker: DeliveredEvent = { type: "restart", at: 9, turn: null };
const summary = (e: DeliveredEvent) =>
  e.type === "message" ? e.text : e.type === "dropped" ? `dropped ${e.count}` : e.type;

describe("the run archive", () => {
  test("runs in order, each closed by its marker", () => {
    const archive = new RunArchive();
    archive.add([said("one"), marker]);
    archive.add([said("two"), marker]);
    expect(archive.events.map(summary)).toEqual(["one", "restart", "two", "restart"]);
  });

  test("bounded by count and by size: the oldest go, counted in a leading notice (an earlier one's too)", () => {
    const byCount = new RunArchive(3, 1_000_000);
    byCount.add([{ type: "dropped", count: 2, at: 1, turn: null }, said("a"), said("b"), marker]);
    byCount.add([said("c"), marker]);
    expect(byCount.events.map(summary)).toEqual(["dropped 4", "restart", "c", "restart"]);
    const bySize = new RunArchive(100, 200);
    bySize.add([said("x".repeat(150)), said("small"), marker]);
    expect(bySize.events.map(summary)).toEqual(["dropped 1", "small", "restart"]);
  });
});

describe("history items", () => {
  const message = (id: string, role: ChatRole, text: string, seconds?: number) => ({
    item: {
      oneofKind: "message" as const,
      message: {
        id,
        role,
        content: [{ payload: { oneofKind: "text" as const, text } }],
        interrupted: false,
        extra: {},
        ...(seconds === undefined ? {} : { createdAt: { seconds, nanos: 250_000_000 } }),
      },
    },
  });

  test("at the agent's own time for each (null when it gives none), in the turn it belongs to", () => {
    const events = historyEvents([
      message("g", ChatRole.ASSISTANT, "Hello!", 100),
      message("u1", ChatRole.USER, "hi", 101),
      message("a1", ChatRole.ASSISTANT, "hi", 102),
      message("u2", ChatRole.USER, "again"),
    ]);
    expect(events.map((e) => [summary(e), e.at, e.turn])).toEqual([
      ["Hello!", 100_250, 0],
      ["hi", 101_250, 1],
      ["hi", 102_250, 1],
      ["again", null, 2],
    ]);
  });
});
