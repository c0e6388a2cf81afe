// `restart`'s engine: the daemon replaces its agent (the port and the daemon stay), and this waits
// for the new one, showing progress, then its greeting. A failure leaves the daemon up without an
// agent: it says so, and how to try again.

import { UserError } from "../errors.ts";
import type { ControlCommand, RestartData } from "../protocol/control.ts";
import type { Reporter } from "../render/reporter.ts";
import { visible } from "../render/visible.ts";
import type { SessionState } from "../state/session-file.ts";
import { command } from "./client-session.ts";
import { outputDetail } from "./output-detail.ts";
import { portHint } from "./port-hint.ts";
import type { StartedSession } from "./start-session.ts";
import { agentUp, waitForAgent } from "./start-session.ts";

export type RestartRequest = Omit<Extract<ControlCommand, { cmd: "restart" }>, "cmd">;

/** What `restart` reports: what `start` does, and the launch as planned again, and the overrides. */
export type RestartedSession = StartedSession & Pick<RestartData, "agent" | "env" | "unread">;

export async function restartSession(
  reporter: Reporter,
  state: SessionState,
  req: RestartRequest,
): Promise<RestartedSession> {
  const [done, readyMs] = await waitForAgent(reporter, () => command(state, { cmd: "restart", ...req }));
  if (!done.ok) {
    const p = portHint(state.port);
    if (done.code !== "agent_down") throw new UserError(done.error, 1, done.detail ?? []);
    throw new UserError(done.error, 1, [
      ...outputDetail("agent output (last lines):", done.detail),
      `full agent log: ${state.agentLog} (\`lk agent session logs${p}\`)`,
      `the session is still up, on the same port, without an agent: fix it, then run \`lk agent session restart${p}\` again`,
    ]);
  }
  const data = done.data;
  if (data.unread)
    reporter.note(
      `note: the old agent did not give its conversation (${visible(data.unread)}): the transcript of \`end --transcript\` misses that run`,
    );
  return {
    ...agentUp(reporter, state.port, data, readyMs),
    agent: data.agent,
    env: data.env,
    ...(data.unread ? { unread: data.unread } : {}),
  };
}
