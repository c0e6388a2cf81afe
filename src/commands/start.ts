import { prepareLaunch } from "../agent/prepare.ts";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import { FOREIGN_HINTS, type SessionLookup } from "../session/find-session.ts";
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

export interface StartOptions {
  json: boolean;
  port: number;
  connectTimeoutMs: number;
  /** 0: never. */
  idleTimeoutMs: number;
  runtime: "node" | "bun" | undefined;
  /** As given (found by convention when undefined), relative to `cwd`. */
  entrypoint: string | undefined;
  cwd: string;
  /** What followed `--`: for the agent's interpreter, before the entrypoint. */
  runtimeArgs: string[];
  skipSdkCheck: boolean;
}

export default defineCommand({
  path: "lk agent session start",
  description: "Start the agent in text mode and keep it running in the background",
  args: {
    entrypoint: {
      type: "positional",
      required: false,
      description: "The agent's main file (found by convention if omitted)",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent to connect (default 60s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    ...idleTimeoutArg,
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
  afterDashDash: "runtime-args",
  examples: [
    "lk agent session start",
    "lk agent session start agent.py --port 8776 -- -X dev",
    "lk agent session start --idle-timeout 2h",
  ],
  options: (args, env): StartOptions => {
    if (args.runtime !== undefined && args.runtime !== "node" && args.runtime !== "bun") {
      throw new UserError(`--runtime must be node or bun (got ${JSON.stringify(args.runtime)})`);
    }
    return {
      json: args.json,
      port: resolvePort(args.port, env.vars),
      connectTimeoutMs: parseSeconds(args.timeout, 60, "--timeout"),
      idleTimeoutMs: resolveIdleTimeout(args["idle-timeout"], env.vars, DEFAULT_IDLE_TIMEOUT_MS),
      runtime: args.runtime,
      entrypoint: args.entrypoint,
      cwd: env.cwd,
      runtimeArgs: args["--"],
      skipSdkCheck: args["skip-sdk-check"] || env.vars.LK_SESSION_SKIP_SDK_CHECK === "1",
    };
  },
  run: async (o: StartOptions, { reporter, session }: CommandIO) => {
    const notes = portIsFreeFor(await session.find(o.port, { thorough: true }));
    for (const note of notes) reporter.note(`note: ${note}`);

    const p = portHint(o.port);
    const choices = { runtime: o.runtime, skipSdkCheck: o.skipSdkCheck };
    const { project, plan } = prepareLaunch({
      entrypoint: o.entrypoint,
      cwd: o.cwd,
      port: o.port,
      runtimeArgs: o.runtimeArgs,
      startCommand: `lk agent session start${p}`,
      ...choices,
    });
    reporter.info(`Detected ${plan.label} agent (${project.entry} in ${project.root})`);
    const started = await session.start(reporter, {
      port: o.port,
      plan,
      entry: project.entry,
      root: project.root,
      runtimeArgs: o.runtimeArgs,
      connectTimeoutMs: o.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      choices,
    });
    reporter.info(
      `Session started. Use \`lk agent session say${p} "..."\` to talk, \`lk agent session end${p}\` to stop.`,
    );
    return {
      fields: {
        ...started,
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
  },
});

/** Refuses a port held by a live session or another program; returns what cleaning a stale record did. */
export function portIsFreeFor(found: SessionLookup): string[] {
  const p = portHint(found.port);
  switch (found.kind) {
    case "running":
      throw new UserError(`a session is already running on 127.0.0.1:${found.port}`, 1, [
        `end it with \`lk agent session end${p}\`, restart it with \`lk agent session restart${p}\`,`,
        "or start another one with --port N",
      ]);
    case "foreign":
      throw new UserError(
        `could not start the session: 127.0.0.1:${found.port} is already in use by another program`,
        1,
        [...found.notes, "pick a free port with --port N (or LK_SESSION_PORT)", FOREIGN_HINTS[0] as string],
      );
    case "stale":
      return found.notes;
    case "ended":
    case "none":
      return [];
  }
}
