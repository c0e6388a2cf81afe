import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { helpParagraphs } from "../cli/help.ts";
import { UserError } from "../errors.ts";
import { badSpeed, type SpokenTurnOptions, TEXT_SESSION_REFUSAL } from "../protocol/audio.ts";
import type { SayData } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { droppedCount, replyText } from "../render/reporter.ts";
import { visible } from "../render/visible.ts";
import { type Expectation, parseExpectations, parseToolExpectation } from "../session/expect.ts";
import { runningSession } from "../session/find-session.ts";
import { type ObservedTurn, toolCalls } from "../session/observed-turn.ts";
import { playTurn } from "../session/play-turn.ts";
import { checkTurnSize } from "../session/turn-text.ts";
import {
  type CommandIO,
  DEFAULT_PORT,
  jsonArg,
  parseDuration,
  parseSeconds,
  portArg,
  portHint,
  resolvePort,
} from "./_shared.ts";

export interface SayOptions {
  json: boolean;
  port: number;
  timeoutMs: number;
  expectations: Expectation[];
  /** The turn's text; undefined to read it from stdin. */
  text: string | undefined;
  /** End with a line of latency, usage and turn time (--metrics, -v). */
  metrics: boolean;
  /** The agent's log lines of the turn, under the steps they belong to (--logs). */
  logs: boolean;
  /** --speed, --interrupt-after, --save-audio (an audio session's); undefined when none was given. */
  audio?: SpokenTurnOptions;
}

export default defineCommand({
  path: "lk agent session say",
  description: "Send one user turn and print what the agent says and does",
  args: {
    text: {
      type: "positional",
      required: false,
      rest: true,
      description: "What the user says (`-` or piped stdin reads it from stdin)",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent's turn (default 120s; e.g. 90s, 2m, or seconds)",
      valueHint: "DURATION",
    },
    expect: {
      type: "string",
      repeatable: true,
      description: "A regular expression the agent's reply must match (repeatable; exit 2 when it does not)",
      valueHint: "REGEX",
    },
    metrics: {
      type: "boolean",
      description: "End with the turn's latency, token usage and duration (ttft · e2e · tokens · turn)",
    },
    verbose: { type: "boolean", alias: "v", description: "The same as --metrics" },
    logs: {
      type: "boolean",
      description: "Show the agent's own log lines of the turn, under the step they belong to",
    },
    "expect-tool": {
      type: "string",
      repeatable: true,
      description: "A tool the agent must call; with :JSON, its arguments must contain these (repeatable)",
      valueHint: "NAME[:JSON]",
    },
    "fail-on-tool-error": {
      type: "boolean",
      description: "Exit 2 when any tool of the turn failed, even if the agent recovered",
    },
    "expect-handoff": {
      type: "string",
      repeatable: true,
      description: "An agent the turn must hand off to (repeatable)",
      valueHint: "NAME",
    },
    speed: {
      type: "string",
      description:
        "Audio sessions: stream the speech N times faster than real time (default 1, 0.25 to 100); the agent's VAD counts samples, so its latencies shrink too",
      valueHint: "N",
    },
    "interrupt-after": {
      type: "string",
      description:
        "Audio sessions, barge-in: speak over the reply of the say still running, this long after its first audio (e.g. 1s; see AUDIO SESSIONS)",
      valueHint: "DURATION",
    },
    "save-audio": {
      type: "string",
      description:
        "Audio sessions: write the turn's audio as WAV files in DIR, made if missing: turn-N-user.wav (the speech and its trailing silence, as sent) and turn-N-agent.wav (the agent's, as played), N the turn's number (its events' `turn`, the N of `logs --turn N`; from 1 again after a restart); 48 kHz mono; their paths are printed (savedAudio in --json)",
      valueHint: "DIR",
    },
    ...jsonArg,
  },
  helpSections: [
    {
      title: "THE TEXT",
      lines: [
        "The words after `say` are the turn, joined by spaces (quote them to keep them as typed).",
        "`-` instead reads the whole turn from stdin, and so does a pipe or a file when no words are given:",
        '  echo "what\'s the weather in Paris?" | lk agent session say',
        "  lk agent session say - < turn.txt",
        "One final line break is dropped; other line breaks stay in the turn. Empty text is refused.",
      ],
    },
    {
      title: "EXIT CODES",
      lines: [
        "0    the agent finished the turn (a turn it did not answer too: `(no reply)`)",
        "1    an error: no session, bad input, an agent error, the agent or daemon gone",
        "2    an --expect, --expect-tool, --expect-handoff or --fail-on-tool-error did not hold",
        "124  the agent did not finish the turn within --timeout",
        "130  interrupted (Ctrl-C)",
      ],
    },
    {
      title: "JSON",
      lines: [
        "With --json: one line per event as it comes, then one result: text, reply, events, silent,",
        "turnMs, usage, expectations. Every event has `at` (ms since the epoch) and `turn`: its turn in",
        "the agent's run (1 for the first, 0 for the greeting; from 1 again after a restart), the N of",
        "`logs --turn N`; output from before the turn, marked `earlier`, has the one before.",
      ],
    },
    helpParagraphs(
      "AUDIO SESSIONS",
      "In a session started with `start --audio`, the text is spoken: the daemon synthesises it with the session's TTS, resamples it to 48 kHz mono and streams it into the agent's microphone in 20 ms frames, at real time (or --speed N), then 1 s of silence to end the turn. say waits until the agent has heard the turn (its final transcript), answered, and gone quiet with its speech played, or until --timeout.",
      '● You (heard) shows the agent\'s transcript, with (sent: …) below it when the words differ. A turn the agent hears but does not answer shows (no reply), exit 0. One it does not transcribe within 5 s of the end of speech is an error: exit 1, "the agent did not hear anything".',
      "--metrics adds a line measured on our side: you (the speech's duration) · transcript (end of speech → final transcript) · first audio (end of speech → the agent's first audio frame: the latency the caller hears) · agent (its speech's duration, as played) · playback (segments acknowledged of those flushed). --json always has heard and audio: {userMs, transcriptMs, firstAudioMs, agentMs, playback}.",
      "Barge-in: --interrupt-after D does not wait its turn. It needs a say still running on the session (e.g. started in the background with &); it speaks D after that turn's reply began, while the reply is still playing (so not with start --fast-playback), and at once if that moment has passed. The running say then ends with its reply cut short, shown as ● Agent (interrupted), and this say reports its own turn, plus the reply it spoke over (interrupted: {text, afterMs} in --json). With no say running it fails at once (exit 1); if the running turn ends first, it is spoken as an ordinary turn.",
      "--speed, --interrupt-after and --save-audio are refused in a text session.",
    ),
  ],
  examples: [
    `lk agent session say "what's the weather in Paris?"`,
    `lk agent session say "this will fail" --logs --metrics`,
    `lk agent session say "transfer me to billing" --expect "/billing agent/i" --json`,
    `lk agent session say "weather in Paris?" --expect-tool 'lookup_weather:{"location":"Paris"}'`,
    `lk agent session say "transfer me to billing" --expect-handoff billing_agent`,
    `lk agent session say "check the inventory" --fail-on-tool-error`,
    `lk agent session say "what's the weather in Paris" --metrics --save-audio turns/   # audio session`,
    `lk agent session say "what's the weather in Paris" --speed 4 --json                # audio session`,
    `lk agent session say "what's the weather in Paris" & sleep 1; lk agent session say --interrupt-after 1s "what's the weather in Tokyo"`,
  ],
  options: (args, env): SayOptions => {
    const words = args.text.join(" ");
    const fromStdin = words === "-" || (args.text.length === 0 && !env.stdinIsTerminal);
    const port = resolvePort(args.port, env.vars);
    return {
      json: args.json,
      port,
      timeoutMs: parseSeconds(args.timeout, 120, "--timeout"),
      expectations: [
        ...parseExpectations(args.expect),
        ...args["expect-tool"].map(parseToolExpectation),
        ...args["expect-handoff"].map((to): Expectation => ({ kind: "handoff", to })),
        ...(args["fail-on-tool-error"] ? [{ kind: "tool_error", expected: false } as const] : []),
      ],
      text: fromStdin ? undefined : checkTurnText(words, port),
      metrics: args.metrics || args.verbose,
      logs: args.logs,
      ...spokenOptions(args, env.cwd),
    };
  },
  // Before the text is known (an argument error), it is "".
  resultDefaults: (events) => sayFields("", events),
  run: async (o: SayOptions, { reporter, session, readStdin }: CommandIO) => {
    const text = o.text ?? checkTurnText((await readStdin()).replace(/\r?\n$/, ""), o.port);
    // From here every result, whatever ends the command (no session, the daemon dying, Ctrl-C), has the text.
    reporter.resultDefaults = (events) => sayFields(text, events);
    const state = runningSession(await session.find(o.port));
    if (o.audio && !state.launch.audio) throw new UserError(TEXT_SESSION_REFUSAL);
    if (o.audio?.saveAudioDir) makeDir(o.audio.saveAudioDir);
    const turn = {
      text,
      timeoutMs: o.timeoutMs,
      expectations: o.expectations,
      logs: o.logs,
      ...(o.audio ? { audio: o.audio } : {}),
    };
    const played = await playTurn(session, state, turn, (e) => reporter.event(e));
    reporter.endEvents();
    const see = toolFailed(played.observed)
      ? `lk agent session logs${portHint(o.port)} --last-turn`
      : undefined;
    const fields = { ...sayFields(text, reporter.events), ...(see ? { see } : {}) };
    if (played.failure) {
      reporter.info("");
      return { fields, error: withHint(played.failure, see) };
    }
    const silent = fields.reply === "";
    if (silent) reporter.info(`\n  ${reporter.colors.dim("(no reply)")}`);
    reporter.info("");
    const data = played.data ?? { turnMs: Math.round(played.observed.wallMs) };
    const dim = reporter.colors.dim;
    // Loaded only when a line needs it: a plain say never does.
    const metrics = data.interrupted || o.metrics ? await import("../render/metrics.ts") : undefined;
    if (data.interrupted && metrics) reporter.info(`  ${dim(interruptedLine(data, metrics.formatMs))}`);
    if (o.metrics && metrics) {
      reporter.info(`  ${dim(metrics.metricsLine(reporter.events, data))}`);
      if (data.audio) reporter.info(`  ${dim(`audio: ${metrics.audioMetricsLine(data.audio)}`)}`);
    }
    if (data.savedAudio)
      reporter.info(`  ${dim(`saved: ${data.savedAudio.user}, ${data.savedAudio.agent}`)}`);
    // Where the failing tool's traceback is: with the failure when there is one, else after the turn.
    if (see && !played.check.error) reporter.info(`  ${dim(`see: ${see}`)}\n`);
    return {
      exitCode: EXIT.ok,
      fields: {
        ...fields,
        silent,
        turnMs: data.turnMs,
        ...(data.usage ? { usage: data.usage } : {}),
        ...spokenFields(data),
        ...(o.expectations.length ? { expectations: played.check.results } : {}),
      },
      error: withHint(played.check.error, see),
    };
  },
});

/** Did a tool of the turn fail (its output marked as an error), even if the agent recovered? */
function toolFailed(turn: ObservedTurn): boolean {
  return toolCalls(turn).some((call) => call.isError === true);
}

/** The failure, with `see: …` as its last hint. */
function withHint(error: UserError | undefined, see: string | undefined): UserError | undefined {
  if (!error || !see) return error;
  return new UserError(error.message, error.exitCode, [...error.detail, `see: ${see}`]);
}

/** What every say result has, failures included: the text, the reply, every event. */
function sayFields(text: string, events: DeliveredEvent[]) {
  return { text, reply: replyText(events), events, dropped: droppedCount(events) };
}

/** The turn's text as given, or a UserError when it is empty or too long for one turn. */
export function checkTurnText(text: string, port = DEFAULT_PORT): string {
  checkTurnSize(text);
  if (text.trim() === "") {
    throw new UserError("nothing to say: give the text as arguments, or pipe it on stdin", 1, [
      `e.g. lk agent session say${portHint(port)} "what's the weather in Paris?"`,
    ]);
  }
  return text;
}

/** --speed, --interrupt-after and --save-audio (DIR absolute), checked; none given: nothing. */
function spokenOptions(
  args: { speed?: string; "interrupt-after"?: string; "save-audio"?: string },
  cwd: string,
): { audio?: SpokenTurnOptions } {
  const audio: SpokenTurnOptions = {};
  if (args.speed !== undefined) {
    const speed = /^[0-9]*\.?[0-9]+$/.test(args.speed) ? Number(args.speed) : Number.NaN;
    const bad = badSpeed(speed);
    if (bad) throw new UserError(`--speed: ${bad} (got ${JSON.stringify(args.speed)})`);
    audio.speed = speed;
  }
  if (args["interrupt-after"] !== undefined) {
    const ms = parseDuration(args["interrupt-after"]);
    if (ms === undefined || !Number.isFinite(ms) || ms > 600_000)
      throw new UserError(
        `--interrupt-after must be a duration like 1s or 500ms (at most 10m; got ${JSON.stringify(args["interrupt-after"])})`,
      );
    audio.interruptAfterMs = Math.round(ms);
  }
  if (args["save-audio"] !== undefined) {
    if (args["save-audio"] === "") throw new UserError("--save-audio needs a folder");
    audio.saveAudioDir = resolve(cwd, args["save-audio"]);
  }
  return Object.keys(audio).length ? { audio } : {};
}

/** --save-audio's folder, made if missing (the daemon writes into it). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UserError(`--save-audio: could not make the folder ${dir}: ${(error as Error).message}`);
  }
}

/** What an audio turn adds to say's result: what the agent heard, the measurements, the files. */
function spokenFields(data: SayData) {
  return {
    ...(data.audio ? { heard: data.heard ?? "" } : {}),
    ...(data.audio ? { audio: data.audio } : {}),
    ...(data.savedAudio ? { savedAudio: data.savedAudio } : {}),
    ...(data.interrupted ? { interrupted: data.interrupted } : {}),
  };
}

/** "spoke over the agent's reply 1.02 s into it: “The weather in Paris is sunny with a”". */
function interruptedLine(data: SayData, formatMs: (ms: number) => string): string {
  const cut = data.interrupted;
  if (!cut) return "";
  return `spoke over the agent's reply ${formatMs(cut.afterMs)} into it${cut.text ? `: “${visible(cut.text)}”` : ""}`;
}
