// The daemon's check of a say request: the logs field (issue 15).

import { expect, test } from "bun:test";
import { CONTROL_VERSION, parseRequest } from "../../src/protocol/control.ts";

const say = (more: Record<string, unknown>) =>
  parseRequest({ v: CONTROL_VERSION, token: "t", cmd: "say", text: "hi", timeoutMs: 1000, ...more });

test("say's logs: true is kept, false or absent leaves it out, anything else is refused", () => {
  expect(say({ logs: true })).toEqual({
    v: 1,
    token: "t",
    cmd: "say",
    text: "hi",
    timeoutMs: 1000,
    logs: true,
  });
  expect(say({ logs: false })).toEqual({ v: 1, token: "t", cmd: "say", text: "hi", timeoutMs: 1000 });
  expect(say({})).toEqual({ v: 1, token: "t", cmd: "say", text: "hi", timeoutMs: 1000 });
  expect(say({ logs: "yes" })).toBe("say's logs must be true or false");
});
