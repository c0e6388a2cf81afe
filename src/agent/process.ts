// The agent child: started detached in its own process group, its output captured.

import type { Subprocess } from "bun";
import type { LaunchPlan } from "../protocol/launch-plan.ts";
import { MARKER_ENV } from "./marker.ts";
import type { AgentOutput, OutputStream } from "./output.ts";
import { stopProcessTree } from "./process-tree.ts";

export class AgentProcess {
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;

  private constructor(
    private readonly child: Subprocess<"ignore", "pipe", "pipe">,
    readonly output: AgentOutput,
    /** In the environment of the agent and everything it starts (see marker.ts). */
    readonly marker: string,
    /** What runs it (the launch plan's): python, node or bun. */
    readonly runtime: string,
  ) {
    this.exited = child.exited.then((code) => {
      this.exitCode = code ?? child.signalCode ?? null;
      return code;
    });
    void this.pump(child.stdout, "stdout");
    void this.pump(child.stderr, "stderr");
  }

  /** `env`: the agent's environment (the plan adds its own variables, and the marker). */
  static spawn(
    plan: LaunchPlan,
    output: AgentOutput,
    marker: string,
    env: Record<string, string | undefined> = process.env,
  ): AgentProcess {
    const child = Bun.spawn(plan.argv, {
      cwd: plan.cwd,
      env: { ...env, ...plan.env, [MARKER_ENV]: marker },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      // POSIX: its own process group (setsid), so the whole tree can be signalled and a terminal's ^C
      // never reaches it. Windows: not detached, so it gets a hidden console its children inherit
      // (a detached one has none, and each console child would open a visible window).
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    return new AgentProcess(child, output, marker, plan.runtime);
  }

  get pid(): number {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  describeExit(): string {
    const code = this.exitCode;
    if (code === undefined) return "the agent is still running";
    return typeof code === "number"
      ? `the agent exited with code ${code}`
      : `the agent was killed (${String(code ?? "signal")})`;
  }

  /** True when it had to be killed once its grace ran out (see stopProcessTree). */
  stop(graceMs: number, released?: Promise<unknown>): Promise<boolean> {
    // Even after it exited on its own: what it started may still run.
    return stopProcessTree(this.pid, this.exited, graceMs, released, this.marker);
  }

  private async pump(stream: ReadableStream<Uint8Array>, name: OutputStream): Promise<void> {
    try {
      for await (const chunk of stream) this.output.write(chunk, name);
    } catch {}
  }
}
