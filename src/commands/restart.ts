import { join } from "node:path";
import { prepareLaunch, recordedChoices } from "../agent/prepare.ts";
import { defineCommand } from "../cli/command.ts";
import { runningSession } from "../session/find-session.ts";
import { previousTurns, rerunTurns } from "../session/rerun-turns.ts";
import {
  type CommandIO,
  DEFAULT_IDLE_TIMEOUT_MS,
  idleTimeoutArg,
  jsonArg,
  parseSeconds,
  portArg,
  portHint,
  resolveIdleTimeout,
  resolvePort,
} from "./_shared.ts";

export interface RestartOptions {
  json: boolean;
  port: number;
  /** Undefined: as the session was started. */
  connectTimeoutMs: number | undefined;
  /** Undefined: as the session was started. */
  idleTimeoutMs: number | undefined;
  /** Send the previous conversation's user turns again and compare. */
  replay: boolean;
}

export default defineCommand({
  path: "lk agent session restart",
  description: "A fresh agent with the same entrypoint, runtime args and port (after you edit it)",
  args: {
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent to connect (default: as at start; e.g. 90s, 2m)",
      valueHint: "DURATION",
    },
    "idle-timeout": {
      ...idleTimeoutArg["idle-timeout"],
      description: "End the session after this long with no command (default: as at start; 0: never)",
    },
    replay: {
      type: "boolean",
      description:
        "Then send the previous conversation's user turns again, and show how each reply and its tools changed",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session restart",
    "lk agent session restart --replay",
    "lk agent session restart --timeout 120",
  ],
  options: (args, env): RestartOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    connectTimeoutMs: parseSeconds(args.timeout, undefined, "--timeout"),
    idleTimeoutMs:
      args["idle-timeout"] === undefined ? undefined : resolveIdleTimeout(args["idle-timeout"], {}, 0),
    replay: args.replay,
  }),
  run: async (o: RestartOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
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
    // The run to compare with is the old agent's: read before it goes.
    const past = o.replay ? await previousTurns(session, state) : undefined;
    await session.stop(state);
    reporter.info(`Restarting ${plan.label} agent (${project.entry} in ${project.root})`);
    const started = await session.start(reporter, {
      port: o.port,
      plan,
      entry: project.entry,
      root: project.root,
      runtimeArgs: state.agent.runtimeArgs,
      connectTimeoutMs: o.connectTimeoutMs ?? state.launch.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs ?? state.launch.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      choices,
      run: (state.run ?? 1) + 1,
    });
    reporter.info(`Session restarted. Use \`lk agent session say${portHint(o.port)} "..."\` to talk.`);
    // As `start` reports it: the agent as planned again (its entry, folder and launch).
    const agent = {
      label: plan.label,
      runtime: plan.runtime,
      entry: project.entry,
      root: project.root,
      argv: plan.argv,
    };
    if (!past) return { fields: { ...started, agent } };
    const replayed = await rerunTurns(past, session, runningSession(await session.find(o.port)), reporter);
    return { fields: { ...started, agent, turns: replayed.turns }, error: replayed.error };
  },
});
