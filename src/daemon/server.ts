// The session port: tells control clients (LKCP preamble, then an auth frame with the token) from
// the agent, and routes each. Until then a connection is a stranger: small limits, and few of them.

import type { Socket, TCPSocketListener } from "bun";
import {
  CONTROL_MAGIC,
  type ControlReply,
  type ControlRequest,
  type DoneFailed,
  decodeJson,
  encodeJson,
  parseAuth,
  parseRequest,
  tooLate,
  versionMismatch,
} from "../protocol/control.ts";
import {
  AGENT_CANDIDATE_FRAME_BYTES,
  AGENT_OUTPUT_FRAME_BYTES,
  AUTH_FRAME_BYTES,
  CONTROL_REPLY_FRAME_BYTES,
  CONTROL_REQUEST_FRAME_BYTES,
} from "../protocol/limits.ts";
import { encodeFrame, FrameReader, FrameTooLargeError } from "../wire/frame.ts";
import type { AgentSessionMessage } from "../wire/gen/livekit_agent_session.ts";
import { wireMessages } from "../wire/messages.ts";
import { SocketWriter } from "../wire/socket-writer.ts";
import { AgentLink } from "./agent-link.ts";
import { MAX_STRANGERS, Strangers } from "./strangers.ts";

/** A connection must say what it is (and a control client must send its request) this quickly. */
export const HANDSHAKE_TIMEOUT_MS = 5000;

export interface ControlChannel {
  send(reply: ControlReply): void;
  /** Ends the connection once what was sent has gone out. */
  close(): void;
  readonly closed: boolean;
  /** Bytes sent but not yet taken by the client (a feed drops a client that stops reading). */
  readonly pendingBytes: number;
  /** Aborted when the connection closes, whichever side closed it: a waiting command stops at once. */
  readonly gone: AbortSignal;
}

/** The listening port, as the daemon sees it. */
export interface SessionPort {
  readonly port: number;
  /** No new connections; the open ones stay until answered. */
  stop(): void;
  /** Resolves once every control client that made a request was answered and its replies flushed (or it left). */
  flushed(): Promise<void>;
}

export interface ServerHooks {
  token: string;
  /** Is an agent connection welcome right now (only while waiting for our agent)? */
  agentSlotOpen(): boolean;
  /** Extra check of a would-be agent (e.g. that the peer belongs to our agent's process tree). */
  acceptAgentPeer(socket: Socket<Conn>): boolean;
  onAgent(link: AgentLink): void;
  onControl(request: ControlRequest, channel: ControlChannel): void;
  log(message: string): void;
}

type Role = "pending" | "control" | "agent-candidate" | "agent" | "closed";

export interface Conn {
  role: Role;
  head: Uint8Array;
  reader: FrameReader;
  writer: SocketWriter;
  timer: ReturnType<typeof setTimeout> | undefined;
  link?: AgentLink;
  /** A control client whose auth frame carried the token. */
  authenticated: boolean;
  /** Once its request (or a refusal) came. */
  channel?: ControlChannel;
  /** Aborts the channel's `gone` signal. */
  leave?: () => void;
}

export function listen(port: number, hooks: ServerHooks): SessionPort {
  let agentCandidate = false;
  /** Writers of control clients with a request, until their replies are flushed. */
  const answering = new Set<SocketWriter>();
  const strangers = new Strangers<Socket<Conn>>((socket) => socket.data.role === "agent-candidate");
  /** A flood is logged once, not once per connection closed to make room. */
  let crowded = false;

  const close = (socket: Socket<Conn>, why: string) => {
    const conn = socket.data;
    if (conn.role === "closed") return;
    if (why) hooks.log(`closing ${conn.role} connection: ${why}`);
    // A stranger was told nothing: a reset, so nothing more of what it sends is read.
    const told = conn.channel !== undefined || conn.link !== undefined;
    strangers.forget(socket);
    if (conn.role === "agent-candidate") agentCandidate = false;
    conn.role = "closed";
    if (conn.timer) clearTimeout(conn.timer);
    if (told) conn.writer.end();
    else socket.terminate();
  };

  const handleFrames = (socket: Socket<Conn>, chunk: Uint8Array) => {
    const conn = socket.data;
    try {
      // One frame at a time: a frame may change the role, and with it the limit of the next.
      conn.reader.read(chunk, (frame) => {
        if (conn.role === "control") handleControlFrame(socket, frame);
        else if (conn.role === "agent-candidate" || conn.role === "agent") handleAgentFrame(socket, frame);
        return conn.role !== "closed";
      });
    } catch (error) {
      // Only a connection not (yet) our agent has a frame too large: the agent's are skipped.
      if (!(error instanceof FrameTooLargeError)) throw error;
      close(socket, error.message);
    }
  };

  const handleAgentFrame = (socket: Socket<Conn>, frame: Uint8Array) => {
    const conn = socket.data;
    let message: AgentSessionMessage;
    try {
      message = wireMessages().AgentSessionMessage.fromBinary(frame);
    } catch (error) {
      if (conn.role === "agent-candidate")
        return close(socket, "first frame is not an agent session message");
      hooks.log(`ignoring an undecodable frame from the agent: ${(error as Error).message}`);
      return;
    }
    if (conn.role === "agent-candidate") {
      if (message.message.oneofKind === undefined)
        return close(socket, "first frame is not an agent session message");
      conn.role = "agent";
      agentCandidate = false;
      if (conn.timer) clearTimeout(conn.timer);
      const link = new AgentLink(conn.writer, hooks.log);
      conn.link = link;
      strangers.forget(socket);
      // Ours now: a long history comes in one large frame, and one too large fails its request alone.
      conn.reader.limit = AGENT_OUTPUT_FRAME_BYTES;
      conn.reader.onSkipped = (skipped) => link.skipped(skipped);
      hooks.onAgent(link);
    }
    conn.link?.receive(message);
  };

  const handleControlFrame = (socket: Socket<Conn>, frame: Uint8Array) => {
    const conn = socket.data;
    if (!conn.authenticated) return authenticate(socket, frame);
    if (conn.channel) return close(socket, "one request per control connection");
    if (conn.timer) clearTimeout(conn.timer);
    const channel = openChannel(socket);
    let parsed: ControlRequest | string;
    try {
      parsed = parseRequest(decodeJson(frame));
    } catch {
      parsed = "request is not valid JSON";
    }
    if (typeof parsed === "string") {
      hooks.log(`bad control request: ${parsed}`);
      return refuse(channel, { code: "bad_request", error: parsed });
    }
    if (tooLate(parsed)) {
      // The daemon was frozen or swamped: its client has reported a failure and may retry.
      hooks.log(`refused a ${parsed.cmd} read after its client stopped waiting for it`);
      return refuse(channel, {
        code: "timeout",
        error: "the request was read after its client stopped waiting for it; it was not run",
      });
    }
    hooks.onControl(parsed, channel);
  };

  /** The auth frame: the token before anything else. A stranger learns nothing, not even what is malformed. */
  const authenticate = (socket: Socket<Conn>, frame: Uint8Array) => {
    const conn = socket.data;
    const auth = parseAuth(frame);
    if (!tokensMatch(auth.token, hooks.token)) {
      hooks.log(`refused a control connection with a ${auth.token ? "wrong" : "missing"} token`);
      return refuse(openChannel(socket), {
        code: "unauthorized",
        error: "unauthorized: this session belongs to another user or another state folder",
      });
    }
    const mismatch = versionMismatch(auth.v);
    if (mismatch) {
      hooks.log(`bad control request: ${mismatch}`);
      return refuse(openChannel(socket), { code: "bad_request", error: mismatch });
    }
    conn.authenticated = true;
    strangers.forget(socket);
    // Known now: its request may carry any turn text.
    conn.reader.limit = CONTROL_REQUEST_FRAME_BYTES;
  };

  /** The connection's replies, from its request (or refusal) on; `port.flushed` waits for them. */
  const openChannel = (socket: Socket<Conn>): ControlChannel => {
    const conn = socket.data;
    const gone = new AbortController();
    const channel: ControlChannel = {
      get closed() {
        return gone.signal.aborted;
      },
      get pendingBytes() {
        return conn.writer.pendingBytes;
      },
      gone: gone.signal,
      send: (reply) => {
        if (!channel.closed) conn.writer.write(replyFrame(reply));
      },
      close: () => {
        gone.abort();
        close(socket, "");
      },
    };
    conn.channel = channel;
    conn.leave = () => gone.abort();
    answering.add(conn.writer);
    void conn.writer.flushed.then(() => answering.delete(conn.writer));
    return channel;
  };

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port,
    // A client may send its request and then a FIN (half-close): it still reads the replies.
    allowHalfOpen: true,
    socket: {
      open(socket) {
        socket.setNoDelay(true);
        socket.data = {
          role: "pending",
          head: new Uint8Array(0),
          reader: new FrameReader(AUTH_FRAME_BYTES),
          // Replies provoked together (a turn's events) leave together.
          writer: new SocketWriter(socket, true),
          timer: setTimeout(() => close(socket, "said nothing in time"), HANDSHAKE_TIMEOUT_MS),
          authenticated: false,
        };
        const oldest = strangers.admit(socket);
        if (oldest) {
          if (!crowded)
            hooks.log(
              `too many connections that have not authenticated (${MAX_STRANGERS}): closing the oldest`,
            );
          crowded = true;
          close(oldest, "");
        } else if (strangers.size < MAX_STRANGERS / 2) {
          crowded = false;
        }
      },
      data(socket, chunk) {
        const conn = socket.data;
        if (conn.role === "closed") return;
        if (conn.role !== "pending") return handleFrames(socket, chunk);
        // Only the first 4 bytes are ever kept: a chunk that has them is read in place.
        const head = conn.head.length === 0 ? chunk : concat(conn.head, chunk);
        if (head.length < 4) {
          conn.head = head.slice(); // the chunk's memory may be reused
          return;
        }
        conn.head = new Uint8Array(0);
        if (CONTROL_MAGIC.every((b, i) => head[i] === b)) {
          conn.role = "control";
          return handleFrames(socket, head.subarray(4));
        }
        if (!hooks.agentSlotOpen() || agentCandidate)
          return close(socket, "not a control client, and no agent is expected");
        if (!hooks.acceptAgentPeer(socket))
          return close(socket, "peer is not the agent this session started");
        conn.role = "agent-candidate";
        agentCandidate = true;
        // No more than an agent's own limit until its first frame shows it is one.
        conn.reader.limit = AGENT_CANDIDATE_FRAME_BYTES;
        handleFrames(socket, head);
      },
      drain(socket) {
        socket.data.writer.drain();
      },
      end(socket) {
        const conn = socket.data;
        // After a whole request, a FIN is a half-close or a client that died: both send one. Data to a
        // closed socket comes back as a reset (then `close` runs): so one probe tells them apart.
        if (conn.role === "control" && conn.channel) return conn.channel.send({ t: "probe" });
        conn.link?.close();
        close(socket, "");
      },
      close(socket) {
        const conn = socket.data;
        strangers.forget(socket);
        conn.leave?.();
        conn.link?.close();
        if (conn.role === "agent-candidate") agentCandidate = false;
        if (conn.timer) clearTimeout(conn.timer);
        conn.role = "closed";
        conn.writer.abandon();
      },
      error(socket, error) {
        hooks.log(`socket error: ${error.message}`);
        socket.data.link?.close(error.message);
      },
    },
  });
  return {
    port: listener.port,
    stop: () => listener.stop(false),
    flushed: async () => {
      // A request read meanwhile adds a writer: wait until none is left.
      while (answering.size > 0) await Promise.all([...answering].map((writer) => writer.flushed));
    },
  };
}

/** A reply as a frame; an event too large for one (it cannot come from a single agent frame) says so instead. */
function replyFrame(reply: ControlReply): Uint8Array {
  try {
    return encodeFrame(encodeJson(reply), CONTROL_REPLY_FRAME_BYTES);
  } catch (error) {
    if (!(error instanceof FrameTooLargeError) || reply.t !== "event") throw error;
    const message = `an event of ${error.length} bytes was too large to pass on (the limit is ${error.limit})`;
    const { at, turn } = reply.event;
    return encodeFrame(encodeJson({ t: "event", event: { type: "error", message, at, turn } }));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A failed done reply, and the end of the connection. */
export function refuse(channel: ControlChannel, why: Omit<DoneFailed, "t" | "ok">): void {
  channel.send({ t: "done", ok: false, ...why });
  channel.close();
}

function tokensMatch(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  if (a.length !== b.length) return false;
  // Bun's own (node:crypto's would cost the daemon's start-up ~1.3 ms to load).
  return crypto.timingSafeEqual(a, b);
}
