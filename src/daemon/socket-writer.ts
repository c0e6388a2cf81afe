// Bun sockets may accept only part of a write; keep the rest until `drain`.

import type { Socket } from "bun";

export class SocketWriter {
  private queue: Uint8Array[] = [];
  closed = false;

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
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0] as Uint8Array;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.queue[0] = head.subarray(Math.max(written, 0));
        return;
      }
      this.queue.shift();
    }
  }

  /** Closes once everything queued has been handed to the kernel. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length === 0) this.socket.end();
    else {
      const socket = this.socket;
      const rest = this.queue;
      this.queue = [];
      // Best effort: flush synchronously what we can, then end.
      for (const chunk of rest) socket.write(chunk);
      socket.end();
    }
  }
}
