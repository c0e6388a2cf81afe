// The agent must not outlive its daemon, even one killed with SIGKILL, which runs no code of ours.
// So the daemon starts a tiny POSIX sh process first that blocks reading a pipe only the daemon
// holds. The daemon writes the agent's process group on it once the agent runs; when the daemon
// dies the pipe closes, and the watchdog becomes `lk agent session reap`, which kills that group and
// every process carrying the agent's marker (within milliseconds: nothing polls). A daemon that
// stops normally has stopped all of that already, and kills the watchdog itself. Not on Windows
// (no sh; there a killed daemon's agent lives on until the next command on its port cleans it up).

import type { Subprocess } from "bun";

/** Line 1: the group (empty when the daemon died first); then wait for end of input; then reap. */
const SCRIPT = 'read -r group; while read -r _; do :; done; exec "$@" "--group=$group"';

export class Watchdog {
  private constructor(private readonly child: Subprocess<"pipe", "ignore", "inherit">) {}

  /**
   * Starts one for the agent about to be spawned with `marker`. `reap` runs this program's hidden
   * reap command; `name` (shown by ps) says whose watchdog it is. Undefined where there is none.
   */
  static start(marker: string, reap: string[], name: string): Watchdog | undefined {
    if (process.platform === "win32") return undefined;
    const child = Bun.spawn(["/bin/sh", "-c", SCRIPT, name, ...reap, "--marker", marker], {
      stdin: "pipe",
      stdout: "ignore",
      // The daemon's own log.
      stderr: "inherit",
      // Its own session: a signal to the daemon's group or terminal does not take it along.
      detached: true,
    });
    return new Watchdog(child);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Tells it which process group to kill besides the marked processes. */
  guard(group: number): void {
    this.child.stdin.write(`${group}\n`);
    void this.child.stdin.flush();
  }

  /** The daemon has stopped everything itself: the watchdog goes, before the daemon answers `end`. */
  async stop(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.exited;
  }
}
