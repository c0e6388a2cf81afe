// The size bounds are exact where they must be: a turn text the client accepts is a run_input frame
// the agent takes, and a frame too large to read still tells which request it answered.

import { describe, expect, test } from "bun:test";
import { CONTROL_VERSION, parseRequest } from "../../src/protocol/control.ts";
import {
  AGENT_INPUT_FRAME_BYTES,
  CONTROL_REQUEST_FRAME_BYTES,
  MAX_REQUEST_ID_BYTES,
  MAX_TURN_TEXT_BYTES,
  runInputFrameBytes,
} from "../../src/protocol/limits.ts";
import { SKIPPED_HEAD_BYTES } from "../../src/wire/frame.ts";
import { AgentSessionMessage, ChatRole } from "../../src/wire/gen/livekit_agent_session.ts";
import { peekAgentFrame } from "../../src/wire/peek.ts";

const LONGEST_ID = `lk-${Number.MAX_SAFE_INTEGER}`;

const runInput = (text: string, requestId = LONGEST_ID) =>
  AgentSessionMessage.toBinary({
    message: {
      oneofKind: "request",
      request: { requestId, request: { oneofKind: "runInput", runInput: { text } } },
    },
  });

describe("runInputFrameBytes", () => {
  test("is the protobuf size exactly, across every varint length boundary", () => {
    expect(LONGEST_ID.length).toBe(MAX_REQUEST_ID_BYTES);
    for (const n of [1, 127, 128, 16_383, 16_384, 100_000, MAX_TURN_TEXT_BYTES, 2_097_151, 2_097_152]) {
      expect(runInput("a".repeat(n)).length).toBe(runInputFrameBytes(n));
    }
    // Multi-byte text counts in UTF-8 bytes, as it is sent.
    expect(runInput("é".repeat(1000)).length).toBe(runInputFrameBytes(Buffer.byteLength("é".repeat(1000))));
  });

  test("a shorter id never makes it larger", () => {
    expect(runInput("x".repeat(5000), "lk-1").length).toBeLessThan(runInputFrameBytes(5000));
  });

  test("MAX_TURN_TEXT_BYTES is the most the agent's 1 MiB frame takes, to the byte", () => {
    expect(runInput("a".repeat(MAX_TURN_TEXT_BYTES)).length).toBeLessThanOrEqual(AGENT_INPUT_FRAME_BYTES);
    expect(runInput("a".repeat(MAX_TURN_TEXT_BYTES + 1)).length).toBeGreaterThan(AGENT_INPUT_FRAME_BYTES);
  });

  test("the JSON of any accepted text fits a control request frame", () => {
    for (const unit of ["\x01", '"', "\\", "\u2028", "\ud800", "😀", "é"]) {
      const text = unit.repeat(Math.floor(MAX_TURN_TEXT_BYTES / Buffer.byteLength(unit)));
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TURN_TEXT_BYTES);
      const request = JSON.stringify({ cmd: "say", text, timeoutMs: 2_000_000_000, ackBy: Date.now() });
      expect(Buffer.byteLength(request)).toBeLessThanOrEqual(CONTROL_REQUEST_FRAME_BYTES);
    }
  });
});

test("the daemon refuses a say text no turn can carry, whatever client sent it", () => {
  const request = (text: string) =>
    parseRequest({ v: CONTROL_VERSION, token: "t", cmd: "say", text, timeoutMs: 1 });
  expect(request("q".repeat(MAX_TURN_TEXT_BYTES))).toMatchObject({ cmd: "say" });
  expect(request("q".repeat(MAX_TURN_TEXT_BYTES + 1))).toBe(
    `the text is too long: ${MAX_TURN_TEXT_BYTES + 1} bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`,
  );
});

describe("peekAgentFrame", () => {
  const head = (message: AgentSessionMessage) =>
    AgentSessionMessage.toBinary(message).slice(0, SKIPPED_HEAD_BYTES);

  test("a large response: its request id, from the first bytes alone", () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      item: {
        oneofKind: "message" as const,
        message: {
          id: `item_${i}`,
          role: ChatRole.USER,
          content: [{ payload: { oneofKind: "text" as const, text: "x".repeat(1000) } }],
          interrupted: false,
          extra: {},
        },
      },
    }));
    const response = head({
      message: {
        oneofKind: "response",
        response: {
          requestId: "lk-42",
          response: { oneofKind: "getChatHistory", getChatHistory: { items } },
        },
      },
    });
    expect(peekAgentFrame(response)).toEqual({ kind: "response", requestId: "lk-42" });
  });

  test("an event, or bytes that are no message", () => {
    const event = head({
      message: {
        oneofKind: "event",
        event: { event: { oneofKind: "error", error: { message: "e".repeat(1000) } } },
      },
    });
    expect(peekAgentFrame(event)).toEqual({ kind: "event" });
    expect(peekAgentFrame(new Uint8Array([0xff, 0xff]))).toEqual({ kind: "other" });
    // A response cut before its id.
    expect(peekAgentFrame(Uint8Array.of(0x2a, 0x80))).toEqual({ kind: "response", requestId: undefined });
  });
});
