// The daemon's named states and the only place they change.
//
//   binding ─▶ spawning ─▶ awaiting-agent ─▶ switching-mode ─▶ greeting ─▶ ready
//      │          └────────────┴──────────────────┴──────────────┴──────────┴─▶ stopping ─▶ stopped
//      └───────────────────────────────────────────────────────────────────────────────────▶ stopped

export type DaemonState =
  /** Taking the session port. */
  | "binding"
  /** Starting the agent process. */
  | "spawning"
  /** Waiting for the agent to connect to the port. */
  | "awaiting-agent"
  /** Connected; waiting for the agent to acknowledge text (or audio) mode (update_io). */
  | "switching-mode"
  /** Letting a greeting finish, and asking the agent's framework. */
  | "greeting"
  /** Serving control commands. */
  | "ready"
  /** Stopping the agent, freeing the port, answering who is still waiting. */
  | "stopping"
  /** Everything released; the process exits once its replies are flushed. */
  | "stopped";

const NEXT: Record<DaemonState, readonly DaemonState[]> = {
  binding: ["spawning", "stopped"],
  spawning: ["awaiting-agent", "stopping"],
  "awaiting-agent": ["switching-mode", "stopping"],
  "switching-mode": ["greeting", "stopping"],
  greeting: ["ready", "stopping"],
  ready: ["stopping"],
  stopping: ["stopped"],
  stopped: [],
};

/** Before ready: commands wait, and a stop fails the start. */
export function isStarting(state: DaemonState): boolean {
  return (
    state === "spawning" || state === "awaiting-agent" || state === "switching-mode" || state === "greeting"
  );
}

export class IllegalTransition extends Error {
  constructor(
    readonly from: DaemonState,
    readonly to: DaemonState,
  ) {
    super(`the daemon cannot go from ${from} to ${to}`);
  }
}

/**
 * Replies still on their way out must reach their clients before the process exits; a client that
 * stopped reading cannot keep the daemon alive past this.
 */
export const FLUSH_MAX_MS = 2000;

export class Lifecycle {
  private current: DaemonState = "binding";

  constructor(
    private readonly log: (message: string) => void,
    private readonly exit: (code: number) => void,
  ) {}

  get state(): DaemonState {
    return this.current;
  }

  /** Moves to `next`, refusing (throwing) a transition the diagram above does not have. */
  to(next: DaemonState, why?: string): void {
    if (!NEXT[this.current].includes(next)) throw new IllegalTransition(this.current, next);
    this.log(`${this.current} → ${next}${why ? `: ${why}` : ""}`);
    this.current = next;
  }

  /** Stopped: exits with `code` once `flushed` resolves (at most FLUSH_MAX_MS later). */
  async exitWhenFlushed(code: number, flushed: Promise<unknown>, maxMs = FLUSH_MAX_MS): Promise<void> {
    this.to("stopped");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([
      flushed.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), maxMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) this.log("exiting with replies still unsent");
    this.exit(code);
  }
}
