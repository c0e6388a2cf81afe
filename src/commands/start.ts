import { defineCommand } from "citty";
import { detectProject } from "../agent/detect.ts";
import { realHost } from "../agent/host.ts";
import { planLaunch, pythonCommand } from "../agent/launch.ts";
import { checkNodeSdk, checkPythonSdk } from "../agent/sdk.ts";
import { runtimeArgs } from "../cli/argv.ts";
import { UserError } from "../errors.ts";
import { Progress } from "../render/progress.ts";
import { colorsFor, TextRenderer } from "../render/text.ts";
import { launchDaemon } from "../session/launcher.ts";
import { isAlive, readState } from "../session/state.ts";
import { findSession, parseSeconds, portArg, portHint, resolvePort, runAndExit } from "./_shared.ts";

export const startArgs = {
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
} as const;

export default defineCommand({
  meta: { name: "start", description: "Start the agent in text mode and keep it running in the background" },
  args: {
    entrypoint: {
      type: "positional",
      required: false,
      description: "The agent's main file (found by convention if omitted)",
    },
    ...startArgs,
  },
  run: ({ args }) =>
    runAndExit(async () => {
      const port = resolvePort(args.port);
      const connectTimeoutMs = parseSeconds(args.timeout, 60, "--timeout");
      if (args.runtime !== undefined && args.runtime !== "node" && args.runtime !== "bun") {
        throw new UserError(`--runtime must be node or bun (got ${JSON.stringify(args.runtime)})`);
      }
      await refuseRunningSession(port);

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
      process.stdout.write(`Detected ${plan.label} agent (${project.entry} in ${project.root})\n`);

      const progress = new Progress(process.stderr, "Waiting for the agent to connect…");
      progress.start();
      const report = await launchDaemon({
        port,
        connectTimeoutMs,
        plan,
        entry: project.entry,
        root: project.root,
        runtimeArgs: runtimeArgs(),
      }).finally(() => progress.stop());

      if (!report.ok) {
        const detail = report.detail.length
          ? ["agent output (last lines):", ...report.detail.map((l) => `  ${l}`)]
          : [];
        if (report.agentLog) detail.push(`full agent log: ${report.agentLog}`);
        if (report.code === "port_in_use" && readState(port))
          detail.push("a session may have started meanwhile");
        throw new UserError(`could not start the session: ${report.error}`, 1, detail);
      }
      const renderer = new TextRenderer((t) => process.stdout.write(t), colorsFor(process.stdout));
      for (const event of report.greeting) renderer.event({ ...event, earlier: false });
      if (report.greeting.length) process.stdout.write("\n");
      const p = portHint(port);
      process.stdout.write(
        `Session started. Use \`lk agent session say${p} "..."\` to talk, \`lk agent session end${p}\` to stop.\n`,
      );
      return 0;
    }),
});

async function refuseRunningSession(port: number): Promise<void> {
  const state = readState(port);
  if (state && isAlive(state.daemonPid)) {
    throw new UserError(`a session is already running on 127.0.0.1:${port}`, 1, [
      `end it with \`lk agent session end${portHint(port)}\`, or start another one with --port N`,
    ]);
  }
  if (state) {
    // Cleans the stale record (and kills the agent it left behind), then goes on.
    try {
      await findSession(port, { killOrphans: true });
    } catch (error) {
      if (error instanceof UserError) {
        for (const line of error.detail.filter((l) => l.startsWith("removed") || l.startsWith("killed"))) {
          process.stderr.write(`note: ${line}\n`);
        }
        if (error.message.startsWith("no session running")) return;
      }
      throw error;
    }
  }
}
