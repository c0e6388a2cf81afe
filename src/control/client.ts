// The CLI side of LKCP: one connection, one command, a stream of replies.

import type { Socket } from "bun";
import { mark } from "../profile.ts";
import type {
  CommandName,
  ControlAuth,
  ControlCommand,
  ControlReply,
  ControlRequest,
  DoneReply,
} from "../protocol/control.ts";
import { CONTROL_MAGIC, CONTROL_VERSION, decodeJson, encodeJson } from "../protocol/control.ts";
import {
  AUTH_FRAME_BYTES,
  CONTROL_REPLY_FRAME_BYTES,
  CONTROL_REQUEST_FRAME_BYTES,
} from "../protocol/limits.ts";
import { encodeFrame, FrameReader } from "../wire/frame.ts";
import { SocketWriter } from "../wire/socket-writer.ts";

/** A daemon acknowledges a command at once; silence means something else holds the port. */
export const ACK_TIMEOUT_MS = 3000;

/** The last reply to a command (C: its name, for the type of its data). */
export type Done<C extends CommandName = CommandName> = DoneReply<C>;

export class ConnectError extends Error {
  constructor(
    /** unanswered: no first reply in time (ACK_TIMEOUT_MS); the daemon will not run the command. */
    readonly kind: "refused" | "not_a_session" | "unanswered" | "dropped",
    message: string,
  ) {
    super(message);
  }
}

export interface SendOptions<C extends ControlCommand = ControlCommand> {
  port: number;
  token: string;
  command: C;
  onReply?: (reply: ControlReply<C["cmd"]>) => void;
}

export async function sendCommand<C extends ControlCommand>(opts: SendOptions<C>): Promise<Done<C["cmd"]>> {
  const reader = new FrameReader(CONTROL_REPLY_FRAME_BYTES);
  let settled = false;
  let acknowledged = false;
  let writer: SocketWriter | undefined;
  let connection: Socket | undefined;
  return new Promise<Done<C["cmd"]>>((resolve, reject) => {
    const fail = (error: ConnectError) => {
      if (settled) return;
      settled = true;
      clearTimeout(ackTimer);
      reject(error);
    };
    // The daemon refuses a request it reads too close to this (tooLate): giving up here is final.
    const ackBy = Date.now() + ACK_TIMEOUT_MS;
    const ackTimer = setTimeout(() => {
      fail(
        new ConnectError(
          "unanswered",
          `something on 127.0.0.1:${opts.port} accepted the connection but does not answer like a session daemon`,
        ),
      );
      // A reset, not a FIN: nothing of this request is left for a daemon that wakes up later.
      connection?.terminate();
    }, ACK_TIMEOUT_MS);
    Bun.connect({
      hostname: "127.0.0.1",
      port: opts.port,
      socket: {
        open(socket) {
          mark("connected");
          connection = socket;
          socket.setNoDelay(true);
          // A large say may not go out in one write. The parts go in one: one segment, one wake-up.
          writer = new SocketWriter(socket, true);
          for (const part of requestBytes(opts.token, { ...opts.command, ackBy })) writer.write(part);
        },
        drain() {
          writer?.drain();
        },
        data(socket, chunk) {
          let frames: Uint8Array[];
          try {
            frames = reader.push(chunk);
          } catch (error) {
            socket.end();
            return fail(
              new ConnectError(
                "not_a_session",
                `bad reply from 127.0.0.1:${opts.port}: ${(error as Error).message}`,
              ),
            );
          }
          for (const frame of frames) {
            let reply: ControlReply<C["cmd"]>;
            try {
              reply = decodeJson(frame) as ControlReply<C["cmd"]>;
            } catch {
              socket.end();
              return fail(
                new ConnectError(
                  "not_a_session",
                  `127.0.0.1:${opts.port} answered with something that is not JSON`,
                ),
              );
            }
            if (!acknowledged) {
              mark("accepted");
              acknowledged = true;
              clearTimeout(ackTimer);
            }
            if (settled) return;
            if (reply.t === "done") {
              mark("done");
              settled = true;
              socket.end();
              return resolve(reply);
            }
            opts.onReply?.(reply);
          }
        },
        close() {
          fail(
            new ConnectError(
              "dropped",
              acknowledged
                ? "the session daemon closed the connection before the command finished (it may have crashed)"
                : `127.0.0.1:${opts.port} closed the connection without answering`,
            ),
          );
        },
        error(_socket, error) {
          fail(new ConnectError("dropped", `connection to the session failed: ${error.message}`));
        },
        connectError(_socket, error) {
          fail(
            new ConnectError("refused", `nothing is listening on 127.0.0.1:${opts.port} (${error.message})`),
          );
        },
      },
    }).catch((error: Error) =>
      fail(new ConnectError("refused", `nothing is listening on 127.0.0.1:${opts.port} (${error.message})`)),
    );
  });
}

/** What a client sends: the magic, the auth frame, the request frame. */
export function requestBytes(token: string, request: ControlRequest): Uint8Array[] {
  const auth: ControlAuth = { v: CONTROL_VERSION, token };
  return [
    CONTROL_MAGIC,
    encodeFrame(encodeJson(auth), AUTH_FRAME_BYTES),
    encodeFrame(encodeJson(request), CONTROL_REQUEST_FRAME_BYTES),
  ];
}

/** Is anything accepting connections on the port? */
export async function portIsOpen(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
