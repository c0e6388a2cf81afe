import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { UserError } from "../errors.ts";
import { DAEMON_SPEC_ENV, type DaemonSpec } from "../protocol/daemon-spec.ts";

export default defineCommand({
  meta: {
    name: "daemon",
    hidden: true,
    description: "Internal: the background session (started by `start`)",
  },
  run: async () => {
    const raw = process.env[DAEMON_SPEC_ENV];
    if (!raw) {
      return runReported("daemon", false, async () => {
        throw new UserError(
          "this is the internal session daemon; it is started for you by `lk agent session start`",
          1,
          ["run: lk agent session start [entrypoint]"],
        );
      });
    }
    const spec = JSON.parse(raw) as DaemonSpec;
    // The spec is ours alone; keep it out of the agent's environment.
    delete process.env[DAEMON_SPEC_ENV];
    const { runDaemon } = await import("../daemon/main.ts");
    await runDaemon(spec);
  },
});
