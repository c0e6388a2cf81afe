// From what the user asked for (an entrypoint, a runtime, runtime args) to the agent's launch plan:
// the one path both `start` and `restart` take, so a restart runs what a start would run today,
// never a command line read back from a file.

import type { LaunchChoices } from "../protocol/daemon-spec.ts";
import type { LaunchPlan } from "../protocol/launch-plan.ts";
import { type AgentProject, detectProject } from "./detect.ts";
import { realHost } from "./host.ts";
import { type Host, planLaunch, pythonCommand } from "./launch.ts";
import { checkNodeSdk, checkPythonSdk } from "./sdk.ts";

export interface AgentRequest extends LaunchChoices {
  /** As given (found by convention when undefined), relative to `cwd`. */
  entrypoint: string | undefined;
  cwd: string;
  port: number;
  runtimeArgs: string[];
  /** How the user starts this session, for hints (`lk agent session start --port N`). */
  startCommand?: string;
}

/** Detects the project, plans its command line and checks its SDK; throws a UserError on the way. */
export function prepareLaunch(
  req: AgentRequest,
  host: Host = realHost(),
): { project: AgentProject; plan: LaunchPlan } {
  const project = detectProject(req.entrypoint, req.cwd, req.startCommand);
  const plan = planLaunch(
    {
      project,
      connectAddr: `127.0.0.1:${req.port}`,
      runtimeArgs: req.runtimeArgs,
      runtime: req.runtime,
      startCommand: req.startCommand,
    },
    host,
  );
  if (!req.skipSdkCheck) {
    if (project.kind === "node") checkNodeSdk(project);
    else checkPythonSdk(project, pythonCommand(project, host));
  }
  return { project, plan };
}

/** The choices as a record kept them, anything unexpected dropped (a record is read back from disk). */
export function recordedChoices(recorded: Partial<Record<keyof LaunchChoices, unknown>>): LaunchChoices {
  const { runtime, skipSdkCheck } = recorded;
  return {
    runtime: runtime === "node" || runtime === "bun" ? runtime : undefined,
    skipSdkCheck: skipSdkCheck === true,
  };
}
