import { markedProcesses } from "../agent/marker.ts";
import { killTreeNow } from "../agent/process-tree.ts";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";

export interface ReapOptions {
  marker: string | undefined;
  group: number;
}

// Run by a session's watchdog (src/agent/watchdog.ts) once its daemon has died.
export default defineCommand({
  path: "lk agent session reap",
  description: "Internal: stops what a dead session daemon left running (run by its watchdog)",
  args: {
    marker: { type: "string", description: "The agent's marker", valueHint: "ID" },
    group: { type: "string", description: "The agent's process group", valueHint: "PGID" },
  },
  examples: [],
  options: (args): ReapOptions => ({ marker: args.marker || undefined, group: Number(args.group ?? 0) }),
  run: async (o: ReapOptions) => {
    if (!o.marker || !/^[0-9a-f]{32}$/.test(o.marker)) {
      throw new UserError("this is internal: a session's watchdog runs it when its daemon dies", 1, [
        "to stop a session, run: lk agent session end",
      ]);
    }
    // The group only while its leader still is the agent (it carries the marker): never a reused pid.
    const leader =
      Number.isInteger(o.group) && markedProcesses(o.marker).includes(o.group) ? o.group : undefined;
    const killed = killTreeNow(leader, o.marker);
    process.stderr.write(
      `${new Date().toISOString()} watchdog: the daemon is gone; ${killed.length ? `killed ${killed.join(", ")}` : "nothing was left running"}\n`,
    );
    return { fields: { killed } };
  },
});
