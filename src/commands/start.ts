import { defineCommand } from "citty";
import { detectProject } from "../agent/detect.ts";
import { realHost } from "../agent/host.ts";
import { planLaunch, pythonCommand } from "../agent/launch.ts";
import { checkNodeSdk, checkPythonSdk } from "../agent/sdk.ts";
import { runtimeArgs } from "../cli/argv.ts";
import { runReported } from "../cli/run-reported.ts";
import { UserError } from "../errors.ts";
import { isOurDaemon } from "../session/stale.ts";
import { startSession } from "../session/start-session.ts";
import { readState } from "../state/session-file.ts";
import { findSession, jsonArg, parseSeconds, portArg, portHint, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: { name: "start", description: "Start the agent in text mode and keep it running in the background" },
  args: {
    entrypoint: {
      type: "positional",
      required: false,
      description: "The agent's main file (found by convention if omitted)",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "Seconds to wait for the agent to connect (default 60)",
      valueHint: "S",
    },
    runtime: {
      type: "string",
      description:
        "Node.js agents: `node`, or `bun` to run it with the runtime built into lk (the default without node)",
      valueHint: "node|bun",
    },
    "skip-sdk-check": {
      type: "boolean",
      description: "Do not check the LiveKit agents SDK version (for non-LiveKit agents)",
    },
    ...jsonArg,
  },
  run: ({ args }) =>
    runReported("start", args.json === true, async (reporter) => {
      const port = resolvePort(args.port);
      const connectTimeoutMs = parseSeconds(args.timeout, 60, "--timeout");
      if (args.runtime !== undefined && args.runtime !== "node" && args.runtime !== "bun") {
        throw new UserError(`--runtime must be node or bun (got ${JSON.stringify(args.runtime)})`);
      }
      const notes = await refuseRunningSession(port);
      for (const note of notes) reporter.note(`note: ${note}`);

      const project = detectProject(args.entrypoint, process.cwd());
      const host = realHost();
      const plan = planLaunch(
        {
          project,
          connectAddr: `127.0.0.1:${port}`,
          runtimeArgs: runtimeArgs(),
          runtime: args.runtime as "node" | "bun" | undefined,
        },
        host,
      );
      const skipCheck = args["skip-sdk-check"] === true || process.env.LK_SESSION_SKIP_SDK_CHECK === "1";
      if (!skipCheck) {
        if (project.kind === "node") checkNodeSdk(project);
        else checkPythonSdk(project, pythonCommand(project, host));
      }
      reporter.info(`Detected ${plan.label} agent (${project.entry} in ${project.root})`);
      const fields = await startSession(reporter, {
        port,
        plan,
        entry: project.entry,
        root: project.root,
        runtimeArgs: runtimeArgs(),
        connectTimeoutMs,
      });
      const p = portHint(port);
      reporter.info(
        `Session started. Use \`lk agent session say${p} "..."\` to talk, \`lk agent session end${p}\` to stop.`,
      );
      return {
        fields: {
          ...fields,
          staleNotes: notes,
          agent: {
            label: plan.label,
            runtime: plan.runtime,
            entry: project.entry,
            root: project.root,
            argv: plan.argv,
          },
        },
      };
    }),
});

/** Refuses a live session on the port; cleans a stale one (and its orphaned agent), returning what it did. */
async function refuseRunningSession(port: number): Promise<string[]> {
  const state = readState(port);
  if (state && isOurDaemon(state)) {
    throw new UserError(`a session is already running on 127.0.0.1:${port}`, 1, [
      `end it with \`lk agent session end${portHint(port)}\`, restart it with \`lk agent session restart${portHint(port)}\`,`,
      "or start another one with --port N",
    ]);
  }
  if (!state) return [];
  try {
    await findSession(port);
    return [];
  } catch (error) {
    if (error instanceof UserError && error.message.startsWith("no session running")) return error.detail;
    throw error;
  }
}
