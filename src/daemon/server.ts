// The session port: tells control clients (LKCP preamble + token) from the agent and routes each.

import { timingSafeEqual } from "node:crypto";
import type { Socket, TCPSocketListener } from "bun";
import {
  CONTROL_MAGIC,
  type ControlReply,
  type ControlRequest,
  decodeJson,
  encodeJson,
  parseRequest,
} from "../protocol/control.ts";
import { encodeFrame, FrameReader, MAX_CONTROL_FRAME_BYTES } from "../wire/frame.ts";
import { AgentSessionMessage } from "../wire/gen/livekit_agent_session.ts";
import { SocketWriter } from "../wire/socket-writer.ts";
import { AgentLink } from "./agent-link.ts";

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
  channel?: ControlChannel;
  /** Aborts the channel's `gone` signal. */
  leave?: () => void;
  gotRequest: boolean;
}

export function listen(port: number, hooks: ServerHooks): SessionPort {
  let agentCandidate = false;
  /** Writers of control clients with a request, until their replies are flushed. */
  const answering = new Set<SocketWriter>();

  const close = (socket: Socket<Conn>, why: string) => {
    const conn = socket.data;
    if (conn.role === "closed") return;
    if (why) hooks.log(`closing ${conn.role} connection: ${why}`);
    if (conn.role === "agent-candidate") agentCandidate = false;
    conn.role = "closed";
    if (conn.timer) clearTimeout(conn.timer);
    conn.writer.end();
  };

  const handleFrames = (socket: Socket<Conn>, chunk: Uint8Array) => {
    const conn = socket.data;
    let frames: Uint8Array[];
    try {
      frames = conn.reader.push(chunk);
    } catch (error) {
      // Log (in close) before the link's own close marks the connection closed.
      const link = conn.link;
      close(socket, (error as Error).message);
      link?.close(`the agent sent a bad frame: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) {
      if (conn.role === "control") {
        handleControlFrame(socket, frame);
      } else if (conn.role === "agent-candidate" || conn.role === "agent") {
        let message: AgentSessionMessage;
        try {
          message = AgentSessionMessage.fromBinary(frame);
        } catch (error) {
          if (conn.role === "agent-candidate")
            return close(socket, "first frame is not an agent session message");
          hooks.log(`ignoring an undecodable frame from the agent: ${(error as Error).message}`);
          continue;
        }
        if (conn.role === "agent-candidate") {
          if (message.message.oneofKind === undefined)
            return close(socket, "first frame is not an agent session message");
          conn.role = "agent";
          agentCandidate = false;
          if (conn.timer) clearTimeout(conn.timer);
          conn.link = new AgentLink(conn.writer);
          hooks.onAgent(conn.link);
        }
        conn.link?.receive(message);
      }
      if (conn.role === "closed") return;
    }
  };

  const handleControlFrame = (socket: Socket<Conn>, frame: Uint8Array) => {
    const conn = socket.data;
    if (conn.gotRequest) return close(socket, "one request per control connection");
    conn.gotRequest = true;
    if (conn.timer) clearTimeout(conn.timer);
    let parsed: ControlRequest | string;
    try {
      parsed = parseRequest(decodeJson(frame));
    } catch {
      parsed = "request is not valid JSON";
    }
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
        if (!channel.closed) conn.writer.write(encodeFrame(encodeJson(reply), MAX_CONTROL_FRAME_BYTES));
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
    // Authenticate before anything else is said: a stranger learns nothing, not even what is malformed.
    const token = typeof parsed === "string" ? tokenOf(frame) : parsed.token;
    if (!tokensMatch(token, hooks.token)) {
      hooks.log(`refused a control connection with a ${token ? "wrong" : "missing"} token`);
      channel.send({
        t: "done",
        ok: false,
        code: "unauthorized",
        error: "unauthorized: this session belongs to another user or another state folder",
      });
      return channel.close();
    }
    if (typeof parsed === "string") {
      hooks.log(`bad control request: ${parsed}`);
      channel.send({ t: "done", ok: false, code: "bad_request", error: parsed });
      return channel.close();
    }
    hooks.onControl(parsed, channel);
  };

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(socket) {
        socket.setNoDelay(true);
        socket.data = {
          role: "pending",
          head: new Uint8Array(0),
          reader: new FrameReader(),
          writer: new SocketWriter(socket),
          timer: setTimeout(() => close(socket, "said nothing in time"), HANDSHAKE_TIMEOUT_MS),
          gotRequest: false,
        };
      },
      data(socket, chunk) {
        const conn = socket.data;
        if (conn.role === "closed") return;
        if (conn.role !== "pending") return handleFrames(socket, chunk);
        const head = new Uint8Array(conn.head.length + chunk.length);
        head.set(conn.head);
        head.set(chunk, conn.head.length);
        if (head.length < 4) {
          conn.head = head;
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
        handleFrames(socket, head);
      },
      drain(socket) {
        socket.data.writer.drain();
      },
      close(socket) {
        const conn = socket.data;
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

function tokenOf(frame: Uint8Array): string {
  try {
    const value = decodeJson(frame) as { token?: unknown };
    return typeof value?.token === "string" ? value.token : "";
  } catch {
    return "";
  }
}

function tokensMatch(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
