// The daemon's side of an agent connection whose agent is the test: a real AgentLink over a fake
// socket. Every request the daemon sends is decoded and kept (and handed to `onRequest`, which may
// answer it through `link.receive`).

import { AgentLink } from "../../src/daemon/agent-link.ts";
import { AGENT_INPUT_FRAME_BYTES } from "../../src/protocol/limits.ts";
import { FrameReader } from "../../src/wire/frame.ts";
import { AgentSessionMessage, type SessionRequest } from "../../src/wire/gen/livekit_agent_session.ts";
import { SocketWriter } from "../../src/wire/socket-writer.ts";

export function linkToTestAgent(onRequest?: (request: SessionRequest) => void): {
  link: AgentLink;
  requests: SessionRequest[];
} {
  const reader = new FrameReader(AGENT_INPUT_FRAME_BYTES);
  const requests: SessionRequest[] = [];
  const writer = new SocketWriter({
    write(data) {
      for (const frame of reader.push(data)) {
        const m = AgentSessionMessage.fromBinary(frame).message;
        if (m.oneofKind !== "request") continue;
        requests.push(m.request);
        onRequest?.(m.request);
      }
      return data.length;
    },
    end() {},
  });
  return { link: new AgentLink(writer), requests };
}
