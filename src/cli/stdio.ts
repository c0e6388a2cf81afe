// stdout and stderr for commands: writes to a pipe are asynchronous, and process.exit() drops what
// is still queued (a 1 MB reply would be cut short). Every write is tracked so exit can wait for it.

type Writable = { write(text: string, done?: () => void): unknown; isTTY?: boolean };

export class TrackedStream {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly stream: Writable) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  write(text: string): void {
    if (text === "") return;
    // A write's callback runs once its data is handed to the OS (an empty write's does not wait).
    this.last = new Promise((resolve) => {
      this.stream.write(text, () => resolve());
    });
  }

  /** Resolves when everything written so far is out. */
  flushed(): Promise<void> {
    return this.last;
  }
}

export const stdout = new TrackedStream(process.stdout);
export const stderr = new TrackedStream(process.stderr);

/** Waits (at most 10 s) for stdout and stderr to drain, then exits. */
export async function flushAndExit(code: number): Promise<never> {
  await Promise.race([Promise.all([stdout.flushed(), stderr.flushed()]), Bun.sleep(10_000)]);
  process.exit(code);
}
