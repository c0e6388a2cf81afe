import { type EnvRequest, envFromOf, loadEnvOverrides } from "../agent/env-overrides.ts";
import { defineCommand } from "../cli/command.ts";
import { helpNotes } from "../cli/help.ts";
import { runningSession } from "../session/find-session.ts";
import { previousTurns, rerunTurns } from "../session/rerun-turns.ts";
import { envArgs, parseEnvArgs } from "./_env-args.ts";
import {
  type CommandIO,
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
  /** Overrides added to those of start (and of earlier restarts), kept for later restarts. */
  env: EnvRequest;
}

export default defineCommand({
  path: "lk agent session restart",
  description:
    "A fresh agent with the same entrypoint, runtime args, environment and port (after you edit it); the session survives an agent that fails to start",
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
    env: {
      ...envArgs.env,
      description:
        "Add or change a variable for the agent, for this restart and every later one (repeatable; NAME alone: this shell's value)",
    },
    "env-file": {
      ...envArgs["env-file"],
      description: "Add or change variables from a dotenv file, as --env does (repeatable)",
    },
    ...jsonArg,
  },
  helpSections: [
    helpNotes(
      "The daemon and its port stay; only the agent is replaced. It is planned again from what `start` was given (entrypoint, runtime, runtime args) and gets the environment `start` recorded (start's shell, its --env-file and --env), not this shell's, plus any --env/--env-file given here, which are kept for later restarts.",
      "The conversation so far is kept for `end --transcript`, which writes every run: the daemon reads the old agent's chat history just before stopping it (bounded: an agent that does not answer within 3 s is restarted anyway, with a note, and that run is missing from the transcript). `history` is the new agent's own, from its greeting; its turns count from 1 again, as its log's turn markers do.",
      "If the new agent fails to start (a syntax error, a crash before it connects), restart exits 1 with its last output, and the session stays up without an agent: `status` says why, `say` refuses, and after fixing the file, `restart` again starts it on the same port with the same environment. `end` ends it.",
      "An audio session (`start --audio`) stays one: the new agent is switched to audio the same way, spoken to with the same voice and TTS (a --tts-command too) and played back on a fresh simulated speaker; the old one gets an audio agent's 3.5 s to stop.",
    ),
  ],
  examples: [
    "lk agent session restart",
    "lk agent session restart --replay",
    "lk agent session restart --timeout 120",
    "lk agent session restart --env LOG_LEVEL=debug",
  ],
  options: (args, env): RestartOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    connectTimeoutMs: parseSeconds(args.timeout, undefined, "--timeout"),
    idleTimeoutMs:
      args["idle-timeout"] === undefined ? undefined : resolveIdleTimeout(args["idle-timeout"], {}, 0),
    replay: args.replay,
    env: parseEnvArgs(args, env),
  }),
  run: async (o: RestartOptions, { reporter, session }: CommandIO) => {
    const overrides = loadEnvOverrides(o.env);
    const state = runningSession(await session.find(o.port));
    // The run to compare with is the old agent's: read before it goes.
    const past = o.replay ? await previousTurns(session, state) : undefined;
    reporter.info(`Restarting ${state.agent.label} agent (${state.agent.entry} in ${state.agent.root})`);
    const restarted = await session.restart(reporter, state, {
      env: overrides,
      envFrom: envFromOf(o.env),
      ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
      ...(o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.idleTimeoutMs }),
    });
    reporter.info(`Session restarted. Use \`lk agent session say${portHint(o.port)} "..."\` to talk.`);
    // The daemon keeps start's mode (an audio session's settings too): as `start` reports it.
    const audio = state.launch.audio;
    const fields = { ...restarted, mode: audio ? "audio" : "text", ...(audio ? { audio } : {}) };
    if (!past) return { fields };
    const replayed = await rerunTurns(past, session, runningSession(await session.find(o.port)), reporter);
    return { fields: { ...fields, turns: replayed.turns }, error: replayed.error };
  },
});
