// Waiting for "something may have changed" (an agent event, a stop, a client leaving) instead of polling.

/** Node and Bun run a timer longer than this at once; such waits rely on a wake-up alone. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Wakeup {
  private readonly waiters = new Set<() => void>();

  /** Wakes everyone waiting now. */
  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next notify, when `signal` aborts, or after `ms`, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener("abort", wake);
        resolve();
      };
      const timer = ms <= MAX_TIMER_MS ? setTimeout(wake, Math.max(0, ms)) : undefined;
      this.waiters.add(wake);
      signal?.addEventListener("abort", wake, { once: true });
      if (signal?.aborted) wake();
    });
  }
}
