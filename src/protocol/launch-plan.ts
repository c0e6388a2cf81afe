// How the daemon starts the agent: decided by `start` (src/agent/launch.ts), carried to the daemon
// in its spec. Plain data, so both sides agree on it without sharing code.

export type Runtime = "python" | "node" | "bun";

export interface LaunchPlan {
  runtime: Runtime;
  /** Shown to the user: "Python" or "Node.js". */
  label: string;
  cwd: string;
  argv: string[];
  /** Added to the user's environment for the agent. */
  env: Record<string, string>;
  /**
   * What of start's shell chose the interpreter: its $VIRTUAL_ENV, or the folder on its PATH the
   * interpreter (python3, uv, node) was found in. The `start` printed for a fresh shell sets them again.
   */
  fromShell?: ShellChoice;
}

export interface ShellChoice {
  VIRTUAL_ENV?: string;
  /** A folder to put first on PATH (never one every shell has: /usr/bin and the like). */
  pathDir?: string;
}

/** The launch as `start` and `restart` report it: what runs, and from where. */
export interface LaunchedAgent {
  label: string;
  runtime: string;
  entry: string;
  root: string;
  argv: string[];
}

export function launchedAgent(plan: LaunchPlan, project: { entry: string; root: string }): LaunchedAgent {
  return {
    label: plan.label,
    runtime: plan.runtime,
    entry: project.entry,
    root: project.root,
    argv: plan.argv,
  };
}
