// --idle-timeout: the session ends after so long with no client command; a command still running
// (a long turn, a listen) holds it open, and its end restarts the count.

export class IdleTimer {
  private running = 0;
  private limitMs: number;
  private lastAt = Date.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Counting (once started: a session that has been ready). */
  private armed = false;

  /** `ms` 0: never. */
  constructor(
    ms: number,
    private readonly onIdle: () => void,
  ) {
    this.limitMs = ms;
  }

  get ms(): number {
    return this.limitMs;
  }

  /** A new limit (a restart's --idle-timeout), counted from the last command as the old one was. */
  change(ms: number): void {
    this.limitMs = ms;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms > 0 && !this.stopped && this.armed) this.arm(Math.max(1, ms - (Date.now() - this.lastAt)));
  }

  /** Counting from now (once the session is ready). */
  start(): void {
    this.lastAt = Date.now();
    this.armed = true;
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
