// How the daemon's ready report reaches the waiting `start` the moment it is made, instead of being
// polled for: `start` listens on a loopback port of its own for one connection that begins with a
// random key (only the daemon has it, in its spec), then carries the report and closes. The ready
// file stays as the fallback, for a daemon that cannot connect.

import type { Socket } from "bun";
import type { ReadyReport, ReadySignal } from "../protocol/daemon-spec.ts";

/** A report is one JSON value: its greeting events are what the agent said before ready. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface ReadyChannel {
  signal: ReadySignal;
  /** Resolves with the first report that came with the key. */
  report: Promise<ReadyReport>;
  /** The report, once it came. */
  received(): ReadyReport | undefined;
  close(): void;
}

/** Listens on 127.0.0.1 (a free port); undefined if it cannot, and then only the file is used. */
export function openReadyChannel(): ReadyChannel | undefined {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
  const head = `${key}\n`;
  let got: ReadyReport | undefined;
  let deliver: (report: ReadyReport) => void = () => {};
  const report = new Promise<ReadyReport>((resolve) => {
    deliver = resolve;
  });
  /** Each connection's bytes so far, and whether its first bytes were the key. */
  const pending = new Map<Socket<undefined>, { parts: Buffer[]; bytes: number; keyed: boolean }>();
  const drop = (socket: Socket<undefined>) => {
    pending.delete(socket);
    socket.terminate();
  };
  try {
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (socket) => void pending.set(socket, { parts: [], bytes: 0, keyed: false }),
        data(socket, chunk) {
          const conn = pending.get(socket);
          if (!conn) return;
          conn.parts.push(Buffer.from(chunk));
          conn.bytes += chunk.length;
          if (conn.bytes > MAX_REPORT_BYTES) return drop(socket);
          if (conn.keyed || conn.bytes < head.length) return;
          // A stranger (another key) is dropped as soon as its first bytes are in.
          const first = Buffer.concat(conn.parts);
          conn.parts = [first];
          if (first.subarray(0, head.length).toString("latin1") !== head) return drop(socket);
          conn.keyed = true;
        },
        end(socket) {
          const conn = pending.get(socket);
          pending.delete(socket);
          socket.end();
          if (!conn?.keyed || got) return;
          try {
            got = JSON.parse(Buffer.concat(conn.parts).subarray(head.length).toString("utf8")) as ReadyReport;
          } catch {
            return;
          }
          deliver(got);
        },
        close: (socket) => void pending.delete(socket),
      },
    });
    return {
      signal: { port: listener.port, key },
      report,
      received: () => got,
      close: () => listener.stop(true),
    };
  } catch {
    return undefined;
  }
}
