// Bun sockets may accept only part of a write; keep the rest until `drain`, and close only
// once everything queued has gone out.

import type { Socket } from "bun";

export class SocketWriter {
  private queue: Uint8Array[] = [];
  /** No more writes are accepted. */
  closed = false;
  private endWhenDrained = false;

  constructor(private readonly socket: Socket<unknown>) {}

  write(data: Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length > 0) {
      this.queue.push(data);
      return;
    }
    const written = this.socket.write(data);
    if (written < data.length) this.queue.push(data.subarray(Math.max(written, 0)));
  }

  /** Called from the socket's drain handler. */
  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Uint8Array;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.queue[0] = head.subarray(Math.max(written, 0));
        return;
      }
      this.queue.shift();
    }
    if (this.endWhenDrained) this.socket.end();
  }

  /** Closes once everything queued has been handed to the kernel. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length === 0) this.socket.end();
    else this.endWhenDrained = true;
  }

  /** The peer is gone: drop what is queued. */
  abandon(): void {
    this.closed = true;
    this.queue = [];
  }
}
