// The events feed's memory and its watchers, and how each event reads as one line.

import { describe, expect, test } from "bun:test";
import plain from "picocolors/picocolors.browser.js";
import type { Colors } from "picocolors/types";
import { Feed, Ring } from "../../src/daemon/feed.ts";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import { feedLine } from "../../src/render/feed.ts";
import { clockTime } from "../../src/render/time.ts";

const msg = (text: string, at: number): DeliveredEvent => ({ type: "message", role: "assistant", text, at });
const log = (line: string, at: number): DeliveredEvent => ({ type: "log", line, stream: "stderr", at });

describe("Ring", () => {
  test("keeps the newest, oldest first", () => {
    const ring = new Ring<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    for (let i = 6; i <= 2000; i++) ring.push(i);
    expect(ring.toArray()).toEqual([1998, 1999, 2000]);
  });

  test("keeps no more weight than it may, and always the newest item", () => {
    const ring = new Ring<number>(100, 10, (n) => n);
    for (const n of [3, 3, 3]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 3, 3]);
    ring.push(4);
    expect(ring.toArray()).toEqual([3, 3, 4]);
    ring.push(50);
    expect(ring.toArray()).toEqual([50]);
    ring.push(1);
    expect(ring.toArray()).toEqual([1]);
  });
});

describe("Feed", () => {
  test("--last N: the newest N events; with logs, the kept log lines of that span among them", () => {
    const feed = new Feed(3);
    feed.push(msg("a", 1));
    feed.push(log("l1", 2));
    feed.push(msg("b", 3));
    for (let i = 0; i < 10; i++) feed.push(log(`flood ${i}`, 4 + i));
    expect(feed.recent(5, false).map((e) => e.at)).toEqual([1, 3]);
    // One event asked for: the lines since it (the log ring keeps 3).
    expect(feed.recent(1, true).map((e) => e.at)).toEqual([3, 11, 12, 13]);
    // More than is kept: everything kept, in time order.
    expect(feed.recent(5, true).map((e) => e.at)).toEqual([1, 3, 11, 12, 13]);
    feed.push(msg("c", 14));
    expect(feed.recent(2, true).map((e) => e.at)).toEqual([3, 11, 12, 13, 14]);
    expect(feed.recent(0, true)).toEqual([]);
  });

  test("big events are kept by their text, not their count: a run of large replies keeps the newest that fit", () => {
    const feed = new Feed(500, 3_100);
    feed.push(msg("small", 1));
    for (let i = 0; i < 5; i++) feed.push(msg("x".repeat(1_000), 2 + i));
    expect(feed.recent(500, false).map((e) => e.at)).toEqual([4, 5, 6]);
    feed.push(log("y".repeat(10_000), 7));
    // Over the limit alone: the newest is kept all the same, and the events keep theirs.
    expect(feed.recent(500, true).map((e) => e.at)).toEqual([4, 5, 6, 7]);
  });

  test("every watcher gets each event, logs only if it asked; the end tells them all why", () => {
    const feed = new Feed();
    const a: string[] = [];
    const b: string[] = [];
    feed.watch({ logs: true, send: (e) => a.push(e.type), end: (why) => a.push(`end: ${why}`) });
    const stopB = feed.watch({
      logs: false,
      send: (e) => b.push(e.type),
      end: (why) => b.push(`end: ${why}`),
    });
    feed.push(msg("x", 1));
    feed.push(log("y", 2));
    stopB();
    feed.push(msg("z", 3));
    feed.end("end requested");
    expect(a).toEqual(["message", "log", "message", "end: end requested"]);
    expect(b).toEqual(["message"]);
    expect(feed.watching).toBe(0);
  });
});

describe("feedLine", () => {
  const c = plain as Colors;
  const at = new Date(2026, 0, 1, 14, 3, 7, 42).getTime();
  const line = (e: SessionEvent) => feedLine({ ...e, at }, c);

  test("one timestamped line per event", () => {
    expect(clockTime(at, true)).toBe("14:03:07.042");
    expect(line({ type: "message", role: "user", text: "hi\nthere" })).toBe("14:03:07.042  You: hi ↵ there");
    expect(line({ type: "message", role: "assistant", text: "ok", interrupted: true })).toBe(
      "14:03:07.042  Agent: ok (interrupted)",
    );
    expect(
      line({ type: "tool_call", name: "lookup_weather", callId: "c", arguments: '{"location":"Paris"}' }),
    ).toBe('14:03:07.042  function_tool: lookup_weather {"location":"Paris"}');
    expect(
      line({ type: "tool_output", name: "lookup_weather", callId: "c", output: '"sunny"', isError: false }),
    ).toBe("14:03:07.042  ✓ lookup_weather: sunny");
    expect(
      line({
        type: "tool_output",
        name: "check",
        callId: "c",
        output: "failed",
        isError: true,
        error: "boom",
      }),
    ).toBe("14:03:07.042  ✗ check: failed (boom)");
    expect(line({ type: "tool_output", name: "transfer", callId: "c", output: "", isError: false })).toBe(
      "14:03:07.042  ✓ transfer",
    );
    expect(
      line({ type: "tool_started", name: "lookup_weather", callId: "c", arguments: '{"location":"Paris"}' }),
    ).toBe('14:03:07.042  tool started: lookup_weather {"location":"Paris"}');
    expect(line({ type: "tool_ended", name: "lookup_weather", callId: "c", status: "error" })).toBe(
      "14:03:07.042  tool ended: lookup_weather (error)",
    );
    expect(line({ type: "tool_ended", callId: "call_1", status: "done" })).toBe(
      "14:03:07.042  tool ended: call_1 (done)",
    );
    expect(line({ type: "handoff", from: "a", to: "b" })).toBe("14:03:07.042  handoff: a → b");
    expect(line({ type: "config", instructionsUpdated: true, toolsAdded: ["x"], toolsRemoved: [] })).toBe(
      "14:03:07.042  agent config: instructions updated; tools added: x",
    );
    expect(line({ type: "error", message: "bad" })).toBe("14:03:07.042  error: bad");
    expect(line({ type: "state", agent: "thinking" })).toBe("14:03:07.042  agent state: thinking");
    expect(line({ type: "user_state", user: "away" })).toBe("14:03:07.042  user state: away");
    expect(line({ type: "log", line: "DEBUG x", stream: "stderr" })).toBe(
      "14:03:07.042  log stderr: DEBUG x",
    );
    // The agent's control characters are shown, never obeyed.
    expect(line({ type: "message", role: "assistant", text: "a\x1b]0;pwned\x07b" })).toBe(
      "14:03:07.042  Agent: a\\x1b]0;pwned\\x07b",
    );
  });
});
