import { defineCommand } from "../cli/command.ts";
import { runningSession } from "../session/find-session.ts";
import { previousTurns, rerunTurns } from "../session/rerun-turns.ts";
import { restartAgent } from "../session/restart-agent.ts";
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
    // The run to compare with is the old agent's: read before it goes.
    const past = o.replay ? await previousTurns(session, state) : undefined;
    const { started, agent } = await restartAgent(
      state,
      { ...o, fallbackIdleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS },
      reporter,
      session,
      past?.soFar,
    );
    reporter.info(`Session restarted. Use \`lk agent session say${portHint(o.port)} "..."\` to talk.`);
    if (!past) return { fields: { ...started, agent } };
    const replayed = await rerunTurns(
      past.turns,
      session,
      runningSession(await session.find(o.port)),
      reporter,
    );
    return { fields: { ...started, agent, turns: replayed.turns }, error: replayed.error };
  },
});
