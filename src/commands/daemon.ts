import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { DAEMON_SPEC_ENV, type DaemonSpec } from "../protocol/daemon-spec.ts";

export interface DaemonOptions {
  /** The spec `start` passed in the environment; undefined when a person ran this by hand. */
  spec: string | undefined;
}

export default defineCommand({
  path: "lk agent session daemon",
  description: "Internal: the background session (started by `start`)",
  args: {},
  examples: [],
  // The daemon stops on SIGINT/SIGTERM itself, taking its agent with it.
  ownsSignals: true,
  options: (_args, env): DaemonOptions => ({ spec: env.vars[DAEMON_SPEC_ENV] || undefined }),
  run: async (o: DaemonOptions) => {
    if (!o.spec) {
      throw new UserError(
        "this is the internal session daemon; it is started for you by `lk agent session start`",
        1,
        ["run: lk agent session start [entrypoint]"],
      );
    }
    const spec = JSON.parse(o.spec) as DaemonSpec;
    // The spec and the daemon's own runtime options are ours alone; keep them out of the agent's environment.
    delete process.env[DAEMON_SPEC_ENV];
    for (const name of spec.daemonOnlyEnv ?? []) delete process.env[name];
    const { runDaemon } = await import("../daemon/main.ts");
    return runDaemon(spec);
  },
});
