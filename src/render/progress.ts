// Shows that `start` is waiting: a spinner on a terminal, one plain line otherwise (after a moment).

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const PLAIN_AFTER_MS = 1000;

export class Progress {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private plainShown = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly stream: { write(text: string): unknown; isTTY?: boolean },
    private readonly label: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 80);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.stream.isTTY) this.stream.write("\r\x1b[2K");
  }

  private tick(): void {
    const elapsed = Date.now() - this.startedAt;
    if (this.stream.isTTY) {
      const spinner = FRAMES[this.frame++ % FRAMES.length];
      this.stream.write(`\r\x1b[2K${spinner} ${this.label} ${(elapsed / 1000).toFixed(1)}s`);
    } else if (!this.plainShown && elapsed >= PLAIN_AFTER_MS) {
      this.plainShown = true;
      this.stream.write(`${this.label}\n`);
    }
  }
}
