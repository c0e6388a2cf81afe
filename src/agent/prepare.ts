// From what the user asked for (an entrypoint, a runtime, runtime args) to the agent's launch plan:
// the one path `start`, `restart` and `test` take, so a restart runs what a start would run today,
// never a command line read back from a file, and a test scenario's session is started as `start`
// would start it.

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

export interface PreparedLaunch {
  project: AgentProject;
  /** The command line that connects the agent to 127.0.0.1:port (`req.port`). */
  plan: LaunchPlan;
  /** The same command line for another port (`test` prepares each project once, then picks a port per run). */
  planFor(port: number): LaunchPlan;
}

/** Detects the project, plans its command line and checks its SDK; throws a UserError on the way. */
export function prepareLaunch(req: AgentRequest, host: Host = realHost()): PreparedLaunch {
  const project = detectProject(req.entrypoint, req.cwd, req.startCommand);
  const planFor = (port: number) =>
    planLaunch(
      {
        project,
        connectAddr: `127.0.0.1:${port}`,
        runtimeArgs: req.runtimeArgs,
        runtime: req.runtime,
        startCommand: req.startCommand,
      },
      host,
    );
  // Planned before the SDK check, so a runtime that does not fit is reported first.
  const plan = planFor(req.port);
  if (!req.skipSdkCheck) {
    if (project.kind === "node") checkNodeSdk(project);
    else checkPythonSdk(project, pythonCommand(project, host));
  }
  return { project, plan, planFor };
}

/** The choices as a record kept them, anything unexpected dropped (a record is read back from disk). */
export function recordedChoices(recorded: Partial<Record<keyof LaunchChoices, unknown>>): LaunchChoices {
  const { runtime, skipSdkCheck } = recorded;
  return {
    runtime: runtime === "node" || runtime === "bun" ? runtime : undefined,
    skipSdkCheck: skipSdkCheck === true,
  };
}
