// The agent's connection: protobuf frames both ways, requests matched to responses by id.

import { AGENT_INPUT_FRAME_BYTES, formatMegabytes } from "../protocol/limits.ts";
import { encodeFrame, FrameTooLargeError, type SkippedFrame } from "../wire/frame.ts";
import type {
  AgentSessionEvent,
  AgentSessionMessage,
  AgentSessionMessage_ConsoleIO_AudioFrame as AudioFrame,
  SessionRequest,
  SessionResponse,
} from "../wire/gen/livekit_agent_session.ts";
import { wireMessages } from "../wire/messages.ts";
import { peekAgentFrame } from "../wire/peek.ts";
import type { SocketWriter } from "../wire/socket-writer.ts";

type RequestBody = SessionRequest["request"];

/** One request failed (too large a question or answer); the connection is fine. */
export class RequestFailed extends Error {}

export type { AudioFrame };

/** The agent's speech and its playback requests, for an audio session's simulated speaker. */
export interface AudioOutput {
  frame(frame: AudioFrame): void;
  /** A segment is complete: answer with `playbackFinished` once it has played. */
  flush(): void;
  /** The user interrupted: what is pending is dropped. */
  clear(): void;
}

interface Pending {
  /** The request's name on the wire, for messages: "get_chat_history". */
  name: string;
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
  /** An audio session's speaker; without one, a flush is answered at once (text mode plays nothing). */
  audioOutput?: AudioOutput;
  /** Resolves when the connection is gone, whichever side closed it. */
  readonly whenClosed: Promise<void>;
  private markClosed!: () => void;

  constructor(
    private readonly writer: SocketWriter,
    private readonly log: (message: string) => void = () => {},
  ) {
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
      case "audioOutput":
        this.audioOutput?.frame(m.audioOutput);
        return;
      case "audioPlaybackFlush":
        // Without this answer the agent waits for playback that will never happen.
        if (this.audioOutput) this.audioOutput.flush();
        else this.playbackFinished();
        return;
      case "audioPlaybackClear":
        this.audioOutput?.clear();
        return;
      default:
        return;
    }
  }

  /** A frame too large to take (skipped unread): fails the request it answered, if it tells which. */
  skipped(frame: SkippedFrame): void {
    const size = `${formatMegabytes(frame.length)} (${frame.length} bytes), over the ${frame.limit / 1024 / 1024} MiB limit`;
    const peeked = peekAgentFrame(frame.head);
    const id = peeked.kind === "response" ? peeked.requestId : undefined;
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (id !== undefined && waiter) {
      this.pending.delete(id);
      waiter.reject(new RequestFailed(`the agent's answer to ${waiter.name} was ${size}`));
      return;
    }
    this.log(
      `skipped ${peeked.kind === "other" ? "a frame" : `an ${peeked.kind}`} from the agent of ${size}`,
    );
  }

  /** Sends a request; resolves with the agent's response, whatever order responses come in. */
  request(body: RequestBody): { id: string; response: Promise<SessionResponse> } {
    const id = `lk-${this.nextId++}`;
    const name = wireName(body.oneofKind ?? "request");
    let frame: Uint8Array | undefined;
    let tooLarge: RequestFailed | undefined;
    try {
      frame = this.frame({ message: { oneofKind: "request", request: { requestId: id, request: body } } });
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      tooLarge = new RequestFailed(
        `the ${name} request would be ${error.length} bytes; the agent takes at most ${error.limit}`,
      );
    }
    const response = new Promise<SessionResponse>((resolve, reject) => {
      if (tooLarge) return reject(tooLarge);
      if (this.closed) return reject(new Error("the agent connection is closed"));
      this.pending.set(id, { name, resolve, reject });
    });
    if (frame && !this.closed) this.writer.write(frame);
    return { id, response };
  }

  /** Tells the agent its last flushed segment has played. */
  playbackFinished(): void {
    if (!this.closed)
      this.send({ message: { oneofKind: "audioPlaybackFinished", audioPlaybackFinished: {} } });
  }

  /** One frame of the user's microphone (48 kHz mono s16le). */
  micFrame(frame: AudioFrame): void {
    if (!this.closed) this.send({ message: { oneofKind: "audioInput", audioInput: frame } });
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
    this.writer.write(this.frame(message));
  }

  private frame(message: AgentSessionMessage): Uint8Array {
    return encodeFrame(wireMessages().AgentSessionMessage.toBinary(message), AGENT_INPUT_FRAME_BYTES);
  }
}

/** getChatHistory → get_chat_history, as the protocol names it. */
function wireName(oneofKind: string): string {
  return oneofKind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
