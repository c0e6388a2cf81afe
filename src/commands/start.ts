import { type EnvRequest, envFromOf, loadEnvOverrides } from "../agent/env-overrides.ts";
import { realHost } from "../agent/host.ts";
import { prepareLaunch } from "../agent/prepare.ts";
import { defineCommand } from "../cli/command.ts";
import { helpNotes } from "../cli/help.ts";
import { UserError } from "../errors.ts";
import { shownEnv } from "../protocol/env.ts";
import { FOREIGN_HINTS, type SessionLookup } from "../session/find-session.ts";
import {
  agentArgs,
  type CommandIO,
  DEFAULT_IDLE_TIMEOUT_MS,
  envArgs,
  idleTimeoutArg,
  jsonArg,
  parseAgentArgs,
  parseEnvArgs,
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
  /** --env and --env-file: set on top of this shell's environment for the agent. */
  env: EnvRequest;
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
    ...agentArgs,
    ...envArgs,
    ...jsonArg,
  },
  afterDashDash: "runtime-args",
  helpSections: [
    helpNotes(
      "Runtime args: anything after `--` goes to the agent's interpreter (python, node or bun), before the entrypoint: `start agent.py -- -X dev` runs `python -X dev -m livekit.agents console agent.py …`. `restart` passes them again.",
      "The interpreter: for a Python agent, uv (`uv run --no-sync python`) when the project has a uv.lock and uv is on PATH; else the python of $VIRTUAL_ENV; else a .venv or venv in the project's folder or one above it; else python3, then python, on PATH (Windows: python, py, python3). For a Node.js agent, node on PATH, else the Bun runtime built into lk; --runtime node|bun forces one. `restart` chooses again the same way, in the environment `start` recorded. Once the session has ended, the start printed to run it again sets what of this shell chose it ($VIRTUAL_ENV, a PATH folder).",
      "The agent's environment: that of the shell that runs `start`, then the variables of each --env-file in order, then each --env (which wins over the files). `restart` gives the new agent that same environment again, whatever shell it is run from (a variable you set or change in your shell later does not reach the agent); `restart --env`/`--env-file` add or change variables for that restart and every later one. `status` lists the overrides, values included except those of names containing KEY, SECRET, TOKEN or PASSWORD (any case), which are shown and written to disk by name only.",
      "Secrets: a value given on the command line can be seen by other users of the machine (in ps). Put it in an --env-file, or export it in your shell and pass --env NAME (no value: this shell's value of NAME is taken).",
      "The session keeps running after `start` returns: `say` to talk, `restart` after an edit (if the edited agent fails to start, the session stays up without an agent, on the same port: fix it and run `restart` again), `end` to stop. Once it has ended, every command says when and why, and prints this `start` command again.",
      "State folder: the session's record, its token and the logs are kept in $XDG_STATE_HOME/lk/agent-sessions (default ~/.local/state/lk/agent-sessions; macOS: ~/Library/Application Support/lk/agent-sessions; Windows: %LOCALAPPDATA%\\lk\\agent-sessions). LK_SESSION_STATE_DIR moves it; it must be yours alone (lk creates it 0700). Also read from the environment: LK_SESSION_PORT (the default port), LK_SESSION_IDLE_TIMEOUT, LK_SESSION_SKIP_SDK_CHECK=1.",
    ),
  ],
  examples: [
    "lk agent session start",
    "lk agent session start agent.py --port 8776 -- -X dev",
    "lk agent session start --idle-timeout 2h",
    "lk agent session start agent.py --env-file .env.local --env LOG_LEVEL=debug --env OPENAI_API_KEY",
  ],
  options: (args, env): StartOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    connectTimeoutMs: parseSeconds(args.timeout, 60, "--timeout"),
    idleTimeoutMs: resolveIdleTimeout(args["idle-timeout"], env.vars, DEFAULT_IDLE_TIMEOUT_MS),
    ...parseAgentArgs(args, env.vars),
    entrypoint: args.entrypoint,
    cwd: env.cwd,
    runtimeArgs: args["--"],
    env: parseEnvArgs(args, env),
  }),
  run: async (o: StartOptions, { reporter, session }: CommandIO) => {
    // A file that does not parse stops the start before anything else happens.
    const overrides = loadEnvOverrides(o.env);
    const notes = portIsFreeFor(await session.find(o.port, { thorough: true }));
    for (const note of notes) reporter.note(`note: ${note}`);

    const p = portHint(o.port);
    const choices = { runtime: o.runtime, skipSdkCheck: o.skipSdkCheck };
    const { project, plan } = prepareLaunch(
      {
        entrypoint: o.entrypoint,
        cwd: o.cwd,
        port: o.port,
        runtimeArgs: o.runtimeArgs,
        startCommand: `lk agent session start${p}`,
        ...choices,
      },
      realHost({ ...process.env, ...overrides }),
    );
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
      env: overrides,
      envFrom: envFromOf(o.env),
    });
    reporter.info(
      `Session started. Use \`lk agent session say${p} "..."\` to talk, \`lk agent session end${p}\` to stop.`,
    );
    return {
      fields: {
        ...started,
        staleNotes: notes,
        env: shownEnv(overrides),
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
