// The agent's connection: protobuf frames both ways, requests matched to responses by id.

import { encodeFrame } from "../wire/frame.ts";
import {
  type AgentSessionEvent,
  AgentSessionMessage,
  type SessionRequest,
  type SessionResponse,
} from "../wire/gen/livekit_agent_session.ts";
import type { SocketWriter } from "../wire/socket-writer.ts";

type RequestBody = SessionRequest["request"];

interface Pending {
  resolve(response: SessionResponse): void;
  reject(error: Error): void;
}

export class AgentLink {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  closed = false;
  onEvent?: (event: AgentSessionEvent) => void;
  /** Why it closed, for the user: "the agent closed its connection" unless we know better. */
  onClose?: (reason: string) => void;
  /** Resolves when the connection is gone, whichever side closed it. */
  readonly whenClosed: Promise<void>;
  private markClosed!: () => void;

  constructor(private readonly writer: SocketWriter) {
    this.whenClosed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  /** Handles one decoded frame from the agent. */
  receive(message: AgentSessionMessage): void {
    const m = message.message;
    switch (m.oneofKind) {
      case "event":
        this.onEvent?.(m.event);
        return;
      case "response": {
        const waiter = this.pending.get(m.response.requestId);
        if (waiter) {
          this.pending.delete(m.response.requestId);
          waiter.resolve(m.response);
        }
        return;
      }
      case "audioPlaybackFlush":
        // Without this answer the agent waits for playback that will never happen.
        this.send({ message: { oneofKind: "audioPlaybackFinished", audioPlaybackFinished: {} } });
        return;
      default:
        return;
    }
  }

  /** Sends a request; resolves with the agent's response, whatever order responses come in. */
  request(body: RequestBody): { id: string; response: Promise<SessionResponse> } {
    const id = `lk-${this.nextId++}`;
    const response = new Promise<SessionResponse>((resolve, reject) => {
      if (this.closed) return reject(new Error("the agent connection is closed"));
      this.pending.set(id, { resolve, reject });
    });
    if (!this.closed)
      this.send({ message: { oneofKind: "request", request: { requestId: id, request: body } } });
    return { id, response };
  }

  /** Drops a request we no longer wait for (timed out or abandoned). */
  forget(id: string): void {
    this.pending.delete(id);
  }

  close(reason = "the agent closed its connection"): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
    this.writer.end();
    this.markClosed();
    this.onClose?.(reason);
  }

  private send(message: AgentSessionMessage): void {
    this.writer.write(encodeFrame(AgentSessionMessage.toBinary(message)));
  }
}
