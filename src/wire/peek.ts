// What a frame from the agent was, from its first bytes alone: for one too large to decode.

import { BinaryReader, WireType } from "@protobuf-ts/runtime";

export type PeekedFrame =
  | { kind: "response"; requestId: string | undefined }
  | { kind: "event" }
  | { kind: "other" };

// Field numbers of AgentSessionMessage and SessionResponse (proto/livekit_agent_session.proto).
const MESSAGE_EVENT = 3;
const MESSAGE_RESPONSE = 5;
const RESPONSE_REQUEST_ID = 1;

export function peekAgentFrame(head: Uint8Array): PeekedFrame {
  const reader = new BinaryReader(head);
  try {
    const [field] = reader.tag();
    if (field === MESSAGE_EVENT) return { kind: "event" };
    if (field !== MESSAGE_RESPONSE) return { kind: "other" };
  } catch {
    return { kind: "other" };
  }
  try {
    reader.uint32(); // the response's length: more than the head holds
    // Encoders write request_id first; look through what the head has anyway.
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === RESPONSE_REQUEST_ID && wireType === WireType.LengthDelimited)
        return { kind: "response", requestId: reader.string() };
      reader.skip(wireType);
    }
  } catch {
    // The head ends inside a field.
  }
  return { kind: "response", requestId: undefined };
}
