import { defineCommand } from "../cli/command.ts";
import { runningSession } from "../session/find-session.ts";
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
    ...jsonArg,
  },
  examples: ["lk agent session restart", "lk agent session restart --timeout 120"],
  options: (args, env): RestartOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    connectTimeoutMs: args.timeout ? parseSeconds(args.timeout, 0, "--timeout") : undefined,
    idleTimeoutMs: args["idle-timeout"] ? resolveIdleTimeout(args["idle-timeout"], {}, 0) : undefined,
  }),
  run: async (o: RestartOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    await session.stop(state);
    reporter.info(`Restarting ${state.agent.label} agent (${state.agent.entry} in ${state.agent.root})`);
    const started = await session.start(reporter, {
      port: o.port,
      plan: state.launch.plan,
      entry: state.agent.entry,
      root: state.agent.root,
      runtimeArgs: state.agent.runtimeArgs,
      connectTimeoutMs: o.connectTimeoutMs ?? state.launch.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs ?? state.launch.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    reporter.info(`Session restarted. Use \`lk agent session say${portHint(o.port)} "..."\` to talk.`);
    return { fields: { ...started } };
  },
});
