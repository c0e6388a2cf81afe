// A restart's two questions that need no daemon state: can the agent be planned again (as `start`
// would plan it, with the environment the agent gets), and what a command hears while it is down.

import { join } from "node:path";
import { realHost } from "../agent/host.ts";
import { type PreparedLaunch, prepareLaunch } from "../agent/prepare.ts";
import { UserError } from "../errors.ts";
import type { AgentDown, DoneFailed } from "../protocol/control.ts";
import type { LaunchRequest } from "../protocol/daemon-spec.ts";
import { portHint } from "../protocol/port-hint.ts";

type Refusal = Omit<DoneFailed, "t" | "ok">;

/** The launch planned again from what start recorded, on the agent's own environment; or why not. */
export function planAgain(
  launch: LaunchRequest,
  agentEnv: Record<string, string | undefined>,
): PreparedLaunch | Refusal {
  try {
    return prepareLaunch(
      {
        entrypoint: join(launch.root, launch.entry),
        cwd: launch.root,
        port: launch.port,
        runtimeArgs: launch.runtimeArgs,
        startCommand: `lk agent session start${portHint(launch.port)}`,
        ...launch.choices,
      },
      realHost(agentEnv),
    );
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return {
      code: "bad_request",
      error: `could not restart the agent: ${error.message}`,
      detail: [...error.detail, "nothing was changed: the session is as it was"],
    };
  }
}

/** What say, listen, history and events are told while the agent is down. */
export function downRefusal(down: AgentDown, port: number): Refusal {
  return {
    code: "agent_down",
    error: `the agent is down: ${down.reason}; fix it and run: lk agent session restart${portHint(port)}`,
    detail: down.lastLines.slice(-10),
  };
}
