// Every size bound of the session port, from the one the agents set: they refuse frames over 1 MiB.

/** Both reference agents refuse a frame whose payload is over 1 MiB: all we send them stays within it. */
export const AGENT_INPUT_FRAME_BYTES = 1024 * 1024;

/** What we take from our agent: its whole chat history comes in one frame, and conversations grow. */
export const AGENT_OUTPUT_FRAME_BYTES = 64 * 1024 * 1024;

/** A connection not yet accepted as our agent gets no more than an agent gives us. */
export const AGENT_CANDIDATE_FRAME_BYTES = AGENT_INPUT_FRAME_BYTES;

/** The daemon's request ids are "lk-" and a counter: never longer than this. */
export const MAX_REQUEST_ID_BYTES = "lk-".length + String(Number.MAX_SAFE_INTEGER).length;

/** The payload of the run_input frame that carries a text of `textBytes` UTF-8 bytes. */
export function runInputFrameBytes(textBytes: number, idBytes = MAX_REQUEST_ID_BYTES): number {
  // AgentSessionMessage{request: SessionRequest{request_id, run_input: RunInput{text}}}: each field
  // is a one-byte tag, a varint length and its bytes.
  return field(field(idBytes) + field(field(textBytes)));
}

/**
 * The longest turn text whose run_input frame the agent takes. Found from the envelope's size at the
 * limit, then a step or two: a loop counting down from 1 MiB (~30 rounds) is hot enough to be
 * JIT-compiled at every command's start-up, a millisecond of a `say`.
 */
export const MAX_TURN_TEXT_BYTES = (() => {
  const limit = AGENT_INPUT_FRAME_BYTES;
  let bytes = limit - (runInputFrameBytes(limit) - limit);
  while (runInputFrameBytes(bytes + 1) <= limit) bytes++;
  while (runInputFrameBytes(bytes) > limit) bytes--;
  return bytes;
})();

/** Why a text cannot go in one turn (its UTF-8 bytes, as sent), or undefined when it can. */
export function turnTextTooLong(text: string): string | undefined {
  // No UTF-16 unit takes more than 3 UTF-8 bytes: most texts need no count.
  if (text.length * 3 <= MAX_TURN_TEXT_BYTES) return undefined;
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_TURN_TEXT_BYTES) return undefined;
  return `the text is too long: ${bytes} bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`;
}

/** The auth frame, read before the token is checked: with the connection cap, all strangers can cost. */
export const AUTH_FRAME_BYTES = 4096;

/** JSON.stringify writes no UTF-8 byte of a string as more than 6 bytes (0x01 becomes \u0001). */
const JSON_GROWTH = 6;

/** Room for a control message's own fields around the strings it carries. */
const CONTROL_ENVELOPE_BYTES = 64 * 1024;

/** A control request: the JSON of any turn text a client may send. */
export const CONTROL_REQUEST_FRAME_BYTES = JSON_GROWTH * MAX_TURN_TEXT_BYTES + CONTROL_ENVELOPE_BYTES;

/** A control reply: the JSON of one event, whose strings all came in one frame from the agent. */
export const CONTROL_REPLY_FRAME_BYTES = JSON_GROWTH * AGENT_OUTPUT_FRAME_BYTES + CONTROL_ENVELOPE_BYTES;

/** A length-delimited protobuf field of `bytes` bytes, with its tag (field numbers below 16). */
function field(bytes: number): number {
  return 1 + varintBytes(bytes) + bytes;
}

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

/** "70.0 MB": a size for a person. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
