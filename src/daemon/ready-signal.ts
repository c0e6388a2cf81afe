// The daemon's side of the ready channel (src/session/ready-channel.ts): its report to the waiting
// `start`, sent the moment it is made.

import type { ReadySignal } from "../protocol/daemon-spec.ts";
import { SocketWriter } from "../wire/socket-writer.ts";

/** A `start` that accepted the connection but takes longer than this to let it close is given up on. */
const SIGNAL_TIMEOUT_MS = 2000;

/** Sends the key and the report; resolves true once all of it went out and the connection closed, false if it could not. */
export function signalReady(to: ReadySignal, json: string): Promise<boolean> {
  return new Promise((resolve) => {
    let writer: SocketWriter | undefined;
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), SIGNAL_TIMEOUT_MS);
    // Sent: every byte handed to the kernel before the connection closed (Bun may close it within end()).
    const sent = () => writer?.closed === true && writer.pendingBytes === 0;
    Bun.connect({
      hostname: "127.0.0.1",
      port: to.port,
      socket: {
        open(socket) {
          writer = new SocketWriter(socket);
          writer.write(new TextEncoder().encode(`${to.key}\n${json}`));
          writer.end();
        },
        drain: () => writer?.drain(),
        data() {},
        close: () => done(sent()),
        error: () => done(sent()),
        connectError: () => done(false),
      },
    }).catch(() => done(false));
  });
}
