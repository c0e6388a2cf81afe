// The restart itself, shared by `restart` and `replay --fresh`: the same launch planned again from the
// record, the session's conversations so far handed on (for the transcript), a new agent started.

import { join } from "node:path";
import { prepareLaunch, recordedChoices } from "../agent/prepare.ts";
import type { EarlierRuns } from "../protocol/daemon-spec.ts";
import type { Reporter } from "../render/reporter.ts";
import type { SessionState } from "../state/session-file.ts";
import { sessionSoFar } from "./chat-history.ts";
import type { SessionClient } from "./session-client.ts";
import type { StartedSession } from "./start-session.ts";

export interface RestartChoices {
  port: number;
  /** Undefined: as the session was started. */
  connectTimeoutMs: number | undefined;
  /** Undefined: as the session was started (`fallbackIdleTimeoutMs` for a record without one). */
  idleTimeoutMs: number | undefined;
  fallbackIdleTimeoutMs: number;
}

/** The agent as `start` reports it: planned again (its entry, folder and launch). */
export interface RestartedAgent {
  label: string;
  runtime: string;
  entry: string;
  root: string;
  argv: string[];
}

/** `soFar`: the session's conversations, when the caller has read them already (else read here). */
export async function restartAgent(
  state: SessionState,
  o: RestartChoices,
  reporter: Reporter,
  session: SessionClient,
  soFar?: EarlierRuns,
): Promise<{ started: StartedSession; agent: RestartedAgent }> {
  // Planned as `start` plans it, and before the running session is stopped: if the agent can no
  // longer be started (its file gone, its runtime missing), the session is left as it was.
  const choices = recordedChoices(state.launch);
  const { project, plan } = prepareLaunch({
    entrypoint: join(state.agent.root, state.agent.entry),
    cwd: state.agent.root,
    port: o.port,
    runtimeArgs: state.agent.runtimeArgs,
    ...choices,
  });
  // Read from the old agent before it goes: the new one starts with an empty history.
  const earlierRuns = soFar ?? (await sessionSoFar(session, state, (text) => reporter.note(text)));
  await session.stop(state);
  reporter.info(`Restarting ${plan.label} agent (${project.entry} in ${project.root})`);
  const started = await session.start(reporter, {
    port: o.port,
    plan,
    entry: project.entry,
    root: project.root,
    runtimeArgs: state.agent.runtimeArgs,
    connectTimeoutMs: o.connectTimeoutMs ?? state.launch.connectTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? state.launch.idleTimeoutMs ?? o.fallbackIdleTimeoutMs,
    choices,
    ...(earlierRuns ? { earlierRuns } : {}),
  });
  const agent = {
    label: plan.label,
    runtime: plan.runtime,
    entry: project.entry,
    root: project.root,
    argv: plan.argv,
  };
  return { started, agent };
}
