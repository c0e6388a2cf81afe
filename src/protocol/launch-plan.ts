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
}
