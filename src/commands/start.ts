import { type EnvRequest, envFromOf, loadEnvOverrides } from "../agent/env-overrides.ts";
import { realHost } from "../agent/host.ts";
import { prepareLaunch } from "../agent/prepare.ts";
import { defineCommand } from "../cli/command.ts";
import { helpNotes, helpParagraphs } from "../cli/help.ts";
import { UserError } from "../errors.ts";
import type { AudioSettings } from "../protocol/audio.ts";
import { shownEnv } from "../protocol/env.ts";
import { launchedAgent } from "../protocol/launch-plan.ts";
import { type AudioRequest, audioSettings } from "../session/audio-settings.ts";
import { FOREIGN_HINTS, type SessionLookup } from "../session/find-session.ts";
import { envArgs, parseEnvArgs } from "./_env-args.ts";
import {
  agentArgs,
  type CommandIO,
  DEFAULT_IDLE_TIMEOUT_MS,
  idleTimeoutArg,
  jsonArg,
  parseAgentArgs,
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
  /** `--audio` and its options: speak each turn into the agent's microphone (undefined: text mode). */
  audio?: AudioRequest;
  /** --env and --env-file: set on top of this shell's environment for the agent. */
  env: EnvRequest;
}

export default defineCommand({
  path: "lk agent session start",
  description:
    "Start the agent in text mode (or, with --audio, speaking each turn into its microphone) and keep it running in the background",
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
    audio: {
      type: "boolean",
      description:
        "Audio mode: each `say` is spoken into the agent's microphone with a local TTS (48 kHz mono) and runs its whole pipeline (VAD, STT, turn detection, TTS); its speech is played back on a simulated speaker. Needs espeak-ng (or espeak) on Linux, say on macOS, System.Speech on Windows, or --tts-command",
    },
    voice: {
      type: "string",
      description:
        "With --audio: the TTS voice (espeak: default en-us+klatt, e.g. en-us; say: e.g. Samantha); a --tts-command finds it in LK_TTS_VOICE",
      valueHint: "NAME",
    },
    "tts-command": {
      type: "string",
      description:
        "With --audio: speak with this shell command instead: it reads the text on stdin and writes a WAV on stdout (any rate, mono or stereo), e.g. 'piper --model en_US-lessac-medium.onnx --output_file /dev/stdout'",
      valueHint: "CMD",
    },
    "fast-playback": {
      type: "boolean",
      description:
        "With --audio: the agent's speech counts as played as soon as it has arrived, instead of after its duration (faster turns; barge-in then has nothing to speak over)",
    },
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
    helpParagraphs(
      "AUDIO MODE",
      "start --audio turns the agent's audio input and output on (update_io: audio in, audio out, transcription on); the rest works as in a text session. The TTS is found first: with none, start fails at once (exit 1) saying what to install, and nothing is left running.",
      "The session's daemon runs the TTS, so say, replay, test and the MCP tools just send text: each turn is synthesised, resampled to 48 kHz mono and streamed into the agent's microphone (see say --help). The agent's speech plays on a simulated speaker: each segment it flushes is acknowledged (audio_playback_finished) once it has played, at real time, or at once with --fast-playback; an interruption (audio_playback_clear) cancels that. The daemon does this whatever its clients do.",
      "Start returns once the agent reads its microphone (about a second after update_io) and has finished a greeting. status shows the mode. Ending a livekit-agents session with an STT takes ~2.3 s (it waits 2 s for a last transcript); it is given 3.5 s before it is killed.",
      "restart keeps the mode, the voice, the TTS (a --tts-command too) and the playback: the daemon switches the new agent to audio the same way, with a fresh simulated speaker.",
      "TTS: espeak-ng (or espeak) on Linux, default voice en-us+klatt; say on macOS; System.Speech through PowerShell on Windows; or --tts-command, any program that reads the text on stdin and writes a WAV on stdout (with --voice in LK_TTS_VOICE). No TTS is built into lk.",
    ),
  ],
  examples: [
    "lk agent session start",
    "lk agent session start agent.py --port 8776 -- -X dev",
    "lk agent session start --idle-timeout 2h",
    "lk agent session start --audio",
    "lk agent session start agent.py --audio --voice en-us --fast-playback",
    "lk agent session start --audio --tts-command 'piper --model voice.onnx --output_file /dev/stdout'",
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
    audio: parseAudioArgs(args),
    env: parseEnvArgs(args, env),
  }),
  run: async (o: StartOptions, { reporter, session }: CommandIO) => {
    // A file that does not parse stops the start before anything else happens.
    const overrides = loadEnvOverrides(o.env);
    const notes = portIsFreeFor(await session.find(o.port, { thorough: true }));
    for (const note of notes) reporter.note(`note: ${note}`);

    // Before anything runs: a machine without a TTS is told what to install, and nothing is left.
    const audio = o.audio && (await audioSettings(o.audio));
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
    if (audio) reporter.info(audioLine(audio));
    const started = await session.start(reporter, {
      port: o.port,
      plan,
      entry: project.entry,
      root: project.root,
      runtimeArgs: o.runtimeArgs,
      connectTimeoutMs: o.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      choices,
      ...(audio ? { audio } : {}),
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
        mode: audio ? "audio" : "text",
        ...(audio ? { audio } : {}),
        env: shownEnv(overrides),
        agent: launchedAgent(plan, project),
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

/** --audio and the options that need it; those given without it are refused. */
export function parseAudioArgs(args: {
  audio: boolean;
  voice?: string;
  "tts-command"?: string;
  "fast-playback": boolean;
}): AudioRequest | undefined {
  const given = [
    args.voice !== undefined ? "--voice" : "",
    args["tts-command"] !== undefined ? "--tts-command" : "",
    args["fast-playback"] ? "--fast-playback" : "",
  ].filter(Boolean);
  if (!args.audio) {
    if (given.length)
      throw new UserError(`${given.join(", ")} ${given.length > 1 ? "need" : "needs"} --audio`, 1, [
        "e.g. lk agent session start --audio " +
          (given[0] === "--fast-playback" ? "--fast-playback" : `${given[0]} …`),
      ]);
    return undefined;
  }
  if (args.voice !== undefined && args.voice.trim() === "") throw new UserError("--voice needs a voice name");
  if (args["tts-command"] !== undefined && args["tts-command"].trim() === "")
    throw new UserError(
      "--tts-command needs a command line (it reads the text on stdin, writes a WAV on stdout)",
    );
  return {
    ...(args.voice !== undefined ? { voice: args.voice.trim() } : {}),
    ...(args["tts-command"] !== undefined ? { ttsCommand: args["tts-command"] } : {}),
    fastPlayback: args["fast-playback"],
  };
}

function audioLine(audio: AudioSettings): string {
  const playback = audio.fastPlayback ? "counted as played at once (--fast-playback)" : "played at real time";
  return `Audio mode: each turn spoken with ${audio.tts}; the agent's speech ${playback}`;
}
