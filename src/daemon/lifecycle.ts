// The daemon's named states and the only place they change.
//
//   binding ─▶ spawning ─▶ awaiting-agent ─▶ switching-mode ─▶ greeting ─▶ ready
//      │          └────────────┴──────────────────┴──────────────┴──────────┴─▶ stopping ─▶ stopped
//      └───────────────────────────────────────────────────────────────────────────────────▶ stopped
//
// A restart keeps the daemon and its port, and runs the start-up path again with a fresh agent:
//
//   ready | agent-down ─▶ replacing ─▶ spawning ─▶ … ─▶ ready
//                                         └────────┴─ (the new agent failed) ─▶ agent-down
//
// In agent-down there is no agent: turns are refused with why, `status` says why, `restart` tries
// again, and `end`, a signal or the idle timeout stop the daemon (agent-down ─▶ stopping).

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
  /** A restart: stopping the old agent (the port stays ours), before spawning its successor. */
  | "replacing"
  /** A restart's agent failed to start: the port is held, the launch remembered, no agent runs. */
  | "agent-down"
  /** Stopping the agent, freeing the port, answering who is still waiting. */
  | "stopping"
  /** Everything released; the process exits once its replies are flushed. */
  | "stopped";

const NEXT: Record<DaemonState, readonly DaemonState[]> = {
  binding: ["spawning", "stopped"],
  spawning: ["awaiting-agent", "agent-down", "stopping"],
  "awaiting-agent": ["switching-mode", "agent-down", "stopping"],
  "switching-mode": ["greeting", "agent-down", "stopping"],
  greeting: ["ready", "agent-down", "stopping"],
  ready: ["replacing", "stopping"],
  replacing: ["spawning", "stopping"],
  "agent-down": ["replacing", "stopping"],
  stopping: ["stopped"],
  stopped: [],
};

/** Before ready (a first start, or a restart's): commands wait for the outcome. */
export function isStarting(state: DaemonState): boolean {
  return (
    state === "replacing" ||
    state === "spawning" ||
    state === "awaiting-agent" ||
    state === "switching-mode" ||
    state === "greeting"
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
