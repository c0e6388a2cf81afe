// The daemon's check of a say request: the logs field (issue 15).

import { expect, test } from "bun:test";
import { parseRequest } from "../../src/protocol/control.ts";

const say = (more: Record<string, unknown>) =>
  parseRequest({ cmd: "say", text: "hi", timeoutMs: 1000, ...more });

test("say's logs: true is kept, false or absent leaves it out, anything else is refused", () => {
  expect(say({ logs: true })).toEqual({ cmd: "say", text: "hi", timeoutMs: 1000, logs: true });
  expect(say({ logs: false })).toEqual({ cmd: "say", text: "hi", timeoutMs: 1000 });
  expect(say({})).toEqual({ cmd: "say", text: "hi", timeoutMs: 1000 });
  expect(say({ logs: true, ackBy: 5 })).toEqual({
    ackBy: 5,
    cmd: "say",
    text: "hi",
    timeoutMs: 1000,
    logs: true,
  });
  expect(say({ logs: "yes" })).toBe("say's logs must be true or false");
});

test("history's earlierRuns (the transcript's runs before restarts): true kept, false or absent left out", () => {
  expect(parseRequest({ cmd: "history", earlierRuns: true })).toEqual({ cmd: "history", earlierRuns: true });
  expect(parseRequest({ cmd: "history", earlierRuns: false })).toEqual({ cmd: "history" });
  expect(parseRequest({ cmd: "history" })).toEqual({ cmd: "history" });
  expect(parseRequest({ cmd: "history", earlierRuns: 1 })).toBe(
    "history's earlierRuns must be true or false",
  );
});
