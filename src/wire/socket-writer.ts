// Bun sockets may accept only part of a write and keep none of the rest: queue it until `drain`,
// and close only once everything queued has gone out. Used by the control client and the daemon.

/** The part of a Bun socket the writer needs (a test can fake it). */
export interface WritableSocket {
  write(data: Uint8Array): number;
  end(): void;
}

export class SocketWriter {
  private queue: Uint8Array[] = [];
  /** No more writes are accepted. */
  closed = false;
  private endWhenDrained = false;
  private markFlushed!: () => void;
  /** Resolves once the writer was ended and all it queued reached the kernel (or the peer left). */
  readonly flushed = new Promise<void>((resolve) => {
    this.markFlushed = resolve;
  });

  constructor(private readonly socket: WritableSocket) {}

  /** Bytes accepted but not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.queue.reduce((sum, chunk) => sum + chunk.length, 0);
  }

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
    if (this.endWhenDrained) this.finish();
  }

  /** Closes once everything queued has been handed to the kernel. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length === 0) this.finish();
    else this.endWhenDrained = true;
  }

  /** The peer is gone: drop what is queued. */
  abandon(): void {
    this.closed = true;
    this.endWhenDrained = false;
    this.queue = [];
    this.markFlushed();
  }

  private finish(): void {
    this.endWhenDrained = false;
    this.socket.end();
    this.markFlushed();
  }
}
