// --idle-timeout: the session ends after so long with no client command; a command still running
// (a long turn, a listen) holds it open, and its end restarts the count.

export class IdleTimer {
  private running = 0;
  private lastAt = Date.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** `ms` 0: never. */
  constructor(
    readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  /** Counting from now (once the session is ready). */
  start(): void {
    this.lastAt = Date.now();
    if (this.ms > 0 && !this.stopped) this.arm(this.ms);
  }

  /** A command arrived; call what this returns when it is answered. */
  begin(): () => void {
    this.running++;
    this.lastAt = Date.now();
    let over = false;
    return () => {
      if (over) return;
      over = true;
      this.running--;
      this.lastAt = Date.now();
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    if (this.stopped) return;
    const idleFor = Date.now() - this.lastAt;
    if (this.running > 0) this.arm(this.ms);
    else if (idleFor < this.ms) this.arm(this.ms - idleFor);
    else {
      this.stopped = true;
      this.onIdle();
    }
  }
}
