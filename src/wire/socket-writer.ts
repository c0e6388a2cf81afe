// Bun sockets may accept only part of a write and keep none of the rest: queue it until `drain`,
// and close only once everything queued has gone out. Used by the control client and the daemon.

/** The part of a Bun socket the writer needs (a test can fake it). */
export interface WritableSocket {
  write(data: Uint8Array): number;
  end(): void;
}

export class SocketWriter {
  private queue: Uint8Array[] = [];
  /** With `batch`: what was written since the last microtask, to go out as one write. */
  private held: Uint8Array[] = [];
  /** No more writes are accepted. */
  closed = false;
  private endWhenDrained = false;
  private markFlushed!: () => void;
  /** Resolves once the writer was ended and all it queued reached the kernel (or the peer left). */
  readonly flushed = new Promise<void>((resolve) => {
    this.markFlushed = resolve;
  });

  /**
   * `batch`: writes made in one go (a turn's events, read from one chunk of the agent's) leave as one
   * write, once the current task and its continuations are done, instead of one system call (and
   * one wake-up of the reader) each; on loopback a write costs the sender the reader's side too.
   * Order and `end` are kept: ending first sends what is held.
   */
  constructor(
    private readonly socket: WritableSocket,
    private readonly batch = false,
  ) {}

  /** Bytes accepted but not yet handed to the kernel. */
  get pendingBytes(): number {
    const sum = (chunks: Uint8Array[]) => chunks.reduce((total, chunk) => total + chunk.length, 0);
    return sum(this.queue) + sum(this.held);
  }

  write(data: Uint8Array): void {
    if (this.closed) return;
    if (this.batch) {
      this.held.push(data);
      // After this task's promise continuations too: a turn's last events and its `done` (with the
      // close that follows) leave in one write.
      if (this.held.length === 1) setImmediate(() => this.release());
      return;
    }
    this.send(data);
  }

  /** What `batch` held, as one write. */
  private release(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    this.send(held.length === 1 ? (held[0] as Uint8Array) : concat(held));
  }

  private send(data: Uint8Array): void {
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
    this.release();
    this.closed = true;
    if (this.queue.length === 0) this.finish();
    else this.endWhenDrained = true;
  }

  /** The peer is gone: drop what is queued. */
  abandon(): void {
    this.closed = true;
    this.endWhenDrained = false;
    this.queue = [];
    this.held = [];
    this.markFlushed();
  }

  private finish(): void {
    this.endWhenDrained = false;
    this.socket.end();
    this.markFlushed();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
