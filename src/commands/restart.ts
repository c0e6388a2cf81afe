import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { startSession } from "../session/start-session.ts";
import { stopSession } from "../session/stop-session.ts";
import { findSession, jsonArg, parseSeconds, portArg, portHint, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "restart",
    description: "A fresh agent with the same entrypoint, runtime args and port (after you edit it)",
  },
  args: {
    ...portArg,
    timeout: {
      type: "string",
      description: "Seconds to wait for the agent to connect (default: as at start)",
      valueHint: "S",
    },
    ...jsonArg,
  },
  run: ({ args }) =>
    runReported("restart", args.json === true, async (reporter) => {
      const port = resolvePort(args.port);
      const state = await findSession(port);
      await stopSession(state);
      reporter.info(`Restarting ${state.agent.label} agent (${state.agent.entry} in ${state.agent.root})`);
      const fields = await startSession(reporter, {
        port,
        plan: state.launch.plan,
        entry: state.agent.entry,
        root: state.agent.root,
        runtimeArgs: state.agent.runtimeArgs,
        connectTimeoutMs: parseSeconds(args.timeout, state.launch.connectTimeoutMs / 1000, "--timeout"),
      });
      reporter.info(`Session restarted. Use \`lk agent session say${portHint(port)} "..."\` to talk.`);
      return { fields };
    }),
});
