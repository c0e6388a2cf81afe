// What `start` and `test` both do before launching an agent: find its project, check its LiveKit
// SDK, and plan its command line for a port.

import { type AgentProject, detectProject } from "../agent/detect.ts";
import { realHost } from "../agent/host.ts";
import { type Host, planLaunch, pythonCommand } from "../agent/launch.ts";
import { checkNodeSdk, checkPythonSdk } from "../agent/sdk.ts";
import type { LaunchPlan } from "../protocol/launch-plan.ts";

export interface AgentChoice {
  /** As given (found by convention when undefined), relative to `cwd`. */
  entrypoint: string | undefined;
  cwd: string;
  runtimeArgs: string[];
  runtime: "node" | "bun" | undefined;
  skipSdkCheck: boolean;
}

export interface PreparedAgent {
  project: AgentProject;
  /** The command line for the port prepared for. */
  plan: LaunchPlan;
  /** The command line that connects the agent to 127.0.0.1:port. */
  planFor(port: number): LaunchPlan;
}

/** Throws a UserError for a missing entrypoint, a runtime that does not fit, or an SDK too old. */
export function prepareAgent(choice: AgentChoice, port: number, host: Host = realHost()): PreparedAgent {
  const project = detectProject(choice.entrypoint, choice.cwd);
  const planFor = (port: number) =>
    planLaunch(
      { project, connectAddr: `127.0.0.1:${port}`, runtimeArgs: choice.runtimeArgs, runtime: choice.runtime },
      host,
    );
  // Planned before the SDK check, so a runtime that does not fit is reported first.
  const plan = planFor(port);
  if (!choice.skipSdkCheck) {
    if (project.kind === "node") checkNodeSdk(project);
    else checkPythonSdk(project, pythonCommand(project, host));
  }
  return { project, plan, planFor };
}
