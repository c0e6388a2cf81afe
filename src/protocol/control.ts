// LKCP: the control channel that shares the session port with the agent.
// A client sends the 4 magic bytes, then length-prefixed JSON frames: first a small auth frame
// {v, token} (at most AUTH_FRAME_BYTES: all a stranger can make the daemon read), then one request.
// Version 2 put the token in a frame of its own; version 1 sent it inside the request.

import {
  type AudioMeasures,
  type AudioSettings,
  badSpeed,
  type InterruptedReply,
  type SavedAudio,
  type SpokenTurnOptions,
} from "./audio.ts";
import { ENV_NAME, type EnvFrom, type ShownEnv } from "./env.ts";
import type { DeliveredEvent } from "./events.ts";
import type { LaunchedAgent } from "./launch-plan.ts";
import { turnTextTooLong } from "./limits.ts";
import type { ModelUsage } from "./usage.ts";

export const CONTROL_MAGIC = new TextEncoder().encode("LKCP");
export const CONTROL_VERSION = 2;

export type ControlCommand =
  /**
   * `logs`: the agent's output lines of the turn come as `log` events; `audio`: how to speak it,
   * in an audio session (refused in a text one).
   */
  | { cmd: "say"; text: string; timeoutMs: number; logs?: boolean; audio?: SpokenTurnOptions }
  | { cmd: "listen"; timeoutMs: number }
  /** `earlierRuns`: the conversations before the agent's restarts first, each closed by a `restart` marker. */
  | { cmd: "history"; earlierRuns?: boolean }
  | { cmd: "status" }
  | { cmd: "end" }
  /**
   * A fresh agent on the same port, planned again from what `start` was given; `env` adds overrides
   * (kept for later restarts), the timeouts replace start's when given.
   */
  | {
      cmd: "restart";
      env: Record<string, string>;
      /** Which of `env` came from which --env-file, which from --env (absent from older clients). */
      envFrom?: EnvFrom;
      connectTimeoutMs?: number;
      idleTimeoutMs?: number;
    }
  | { cmd: "ping" }
  /** A live feed of every event, after the `last` kept ones; answered (done) when the session ends. */
  | { cmd: "events"; last: number; logs: boolean };

/** The first frame: who asks, checked before anything else is read. */
export interface ControlAuth {
  v: number;
  token: string;
}

/**
 * `ackBy`: when the client stops waiting for a first reply (ms since the epoch, the same machine's
 * clock). A request read too close to it is refused unrun: its client may already report a failure.
 */
export type ControlRequest = ControlCommand & { ackBy?: number };

/** A request is refused unless its first reply can reach the client this long before `ackBy`. */
export const ACK_MARGIN_MS = 1000;

/** Has the client of this request given up on it, or will it before a reply reaches it? */
export function tooLate(request: { ackBy?: number }, now = Date.now()): boolean {
  return request.ackBy !== undefined && now > request.ackBy - ACK_MARGIN_MS;
}

export type CommandName = ControlCommand["cmd"];

/** What each command's successful `done` reply carries as `data` (undefined: no data). */
export interface DoneData {
  say: SayData;
  listen: undefined;
  history: undefined;
  status: StatusData;
  end: EndSummary;
  restart: RestartData;
  ping: undefined;
  events: { ended: string };
}

/** How many kept events `events` can replay. */
export const MAX_EVENTS_LAST = 500;

/** What `end` answers with: how the session went. */
export interface EndSummary {
  /** Every run's turns: the agent's restarts count from 1 again, this does not. */
  turns: number;
  /** When the session started (its first run). */
  startedAt: string;
  /** From start until the end began. */
  uptimeMs: number;
  /** How many agents took the session (1, then one more for each restart whose agent became ready). */
  runs: number;
  /** The agent in charge at the end (after handoffs), when known. */
  agentId?: string;
  /** This run's log: kept with the port's last runs' until `end --clean` (state/run-logs.ts). */
  agentLog: string;
  /** Every run's usage, summed (absent when no agent reported any). */
  usage?: ModelUsage[];
}

/** A command that failed: always a code (for the exit code) and a sentence for a person. */
export interface DoneFailed {
  t: "done";
  ok: false;
  code: ControlErrorCode;
  error: string;
  detail?: string[];
}

/** The success of command C: `data` only for the commands that have some. */
export type DoneOk<C extends CommandName> = C extends CommandName
  ? DoneData[C] extends undefined
    ? { t: "done"; ok: true }
    : { t: "done"; ok: true; data: DoneData[C] }
  : never;

/** The last reply to command C. */
export type DoneReply<C extends CommandName = CommandName> = DoneOk<C> | DoneFailed;

/** The command was taken; `ahead` turns run before it. */
export interface Accepted {
  t: "accepted";
  ahead: number;
}

/**
 * Sent once when a client half-closes after its request: a client that is gone answers it with a
 * reset, one that waits ignores it.
 */
export interface Probe {
  t: "probe";
}

/** Replies to command C: accepted first, events while it runs (and perhaps a probe), done last. */
export type ControlReply<C extends CommandName = CommandName> =
  | Accepted
  | { t: "event"; event: DeliveredEvent }
  | Probe
  | DoneReply<C>;

/** What a finished turn carries besides its events. */
export interface SayData {
  /** From sending the turn to the agent until its last event (queueing excluded). */
  turnMs: number;
  /** What the turn used (absent when the agent reported no usage during it). */
  usage?: ModelUsage[];
  /** An audio session's turn: what the agent heard (its transcript), absent when it heard nothing. */
  heard?: string;
  /** An audio session's turn: what was measured of it. */
  audio?: AudioMeasures;
  /** `say --save-audio`: the WAV files written. */
  savedAudio?: SavedAudio;
  /** `say --interrupt-after`: the reply this turn spoke over. */
  interrupted?: InterruptedReply;
}

/** The active agent, as the agent's GetAgentInfo tells it. */
export interface AgentInfo {
  id: string;
  tools: string[];
  /** In full; `status` shows its first line. */
  instructions: string;
}

/** What a restart answers with once its agent is ready (what `start`'s ready report has, and more). */
export interface RestartData {
  daemonPid: number;
  agentPid: number;
  greeting: DeliveredEvent[];
  agentLog: string;
  /** The agent that took the session, and its tools (absent when the agent does not say). */
  agentInfo?: AgentInfo;
  /** The launch as planned again. */
  agent: LaunchedAgent;
  /** Every override the agent got (start's and restarts'), secrets' values null. */
  env: ShownEnv;
  /** Why the old agent's conversation is missing from the transcript (it did not give its history). */
  unread?: string;
}

/** Why there is no agent: a restart's agent failed to start (the daemon kept the port and the launch). */
export interface AgentDown {
  /** "the agent exited with code 1 before connecting". */
  reason: string;
  /** ISO time. */
  since: string;
  /** How its process ended: "the agent exited with code 1", "the agent was killed (SIGINT)". */
  exit: string;
  /** Its last output lines (a traceback, typically). */
  lastLines: string[];
}

/** What `status` answers with (the `data` of its done reply). */
export interface StatusData {
  port: number;
  daemonPid: number;
  agentPid: number;
  entry: string;
  root: string;
  runtime: string;
  label: string;
  runtimeArgs: string[];
  framework?: { sdk: string; version: string };
  /** Text (run_input), or audio (each turn spoken into the agent's microphone); the daemon always says. */
  mode?: "text" | "audio";
  /** An audio session's TTS and playback. */
  audio?: AudioSettings;
  agentId?: string;
  /** The active agent (after handoffs); absent when the agent does not answer GetAgentInfo. */
  agentInfo?: AgentInfo;
  agentState: string;
  /** When the daemon started (`start`): a restart does not change it. */
  startedAt: string;
  uptimeMs: number;
  /** The agent now running: which run of the session (1, then one more for each restart), since when. */
  run: number;
  runStartedAt: string;
  runUptimeMs: number;
  /** No command for this long ends the session; 0: never. */
  idleTimeoutMs: number;
  turns: number;
  unseen: number;
  queued: number;
  agentLog: string;
  daemonLog: string;
  /** The session's cumulative usage so far (absent when the agent reported none). */
  usage?: ModelUsage[];
  /** The `--env`/`--env-file` overrides the agent got, secrets' values null. */
  env: ShownEnv;
  /** Set when the agent is down (a restart failed): agentPid is then 0. */
  agentDown?: AgentDown;
}

/** Why a command failed, for exit codes and tests; `error` carries the sentence for a person. */
export type ControlErrorCode =
  | "unauthorized"
  | "bad_request"
  | "agent_error"
  | "agent_exited"
  /** There is no agent: a restart's failed (the session waits for the next restart). */
  | "agent_down"
  | "timeout"
  | "ending"
  | "nothing"
  /** An audio turn the agent did not transcribe. */
  | "not_heard"
  /** The local TTS failed to speak a turn. */
  | "tts_failed";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

/** An untrusted auth frame's token ("" when missing: refused like a wrong one) and version. */
export function parseAuth(bytes: Uint8Array): { token: string; v: unknown } {
  try {
    const value = decodeJson(bytes) as Partial<Record<string, unknown>> | null;
    return { token: typeof value?.token === "string" ? value.token : "", v: value?.v };
  } catch {
    return { token: "", v: undefined };
  }
}

/** Why an authenticated client's version is not ours, or undefined when it is. */
export function versionMismatch(v: unknown): string | undefined {
  if (v === CONTROL_VERSION) return undefined;
  return `unsupported control protocol version ${String(v)}; expected ${CONTROL_VERSION}`;
}

/** Validates an untrusted request; returns a message for a person when it is not one. */
export function parseRequest(value: unknown): ControlRequest | string {
  if (typeof value !== "object" || value === null) return "request must be a JSON object";
  const r = value as Record<string, unknown>;
  if (r.ackBy !== undefined && !Number.isFinite(r.ackBy)) return "ackBy must be a time in ms since the epoch";
  const base = r.ackBy === undefined ? {} : { ackBy: r.ackBy as number };
  switch (r.cmd) {
    case "say": {
      if (typeof r.text !== "string") return "say needs a text string";
      const tooLong = turnTextTooLong(r.text);
      if (tooLong) return tooLong;
      if (typeof r.timeoutMs !== "number" || !(r.timeoutMs > 0)) return "say needs a positive timeoutMs";
      if (r.logs !== undefined && typeof r.logs !== "boolean") return "say's logs must be true or false";
      const audio = r.audio === undefined ? undefined : parseSpokenTurn(r.audio);
      if (typeof audio === "string") return audio;
      return {
        ...base,
        cmd: "say",
        text: r.text,
        timeoutMs: r.timeoutMs,
        ...(r.logs ? { logs: true } : {}),
        ...(audio ? { audio } : {}),
      };
    }
    case "listen":
      if (typeof r.timeoutMs !== "number" || !(r.timeoutMs > 0)) return "listen needs a positive timeoutMs";
      return { ...base, cmd: "listen", timeoutMs: r.timeoutMs };
    case "events":
      if (typeof r.last !== "number" || !Number.isInteger(r.last) || r.last < 0 || r.last > MAX_EVENTS_LAST)
        return `events needs a whole number last, 0 to ${MAX_EVENTS_LAST}`;
      return { ...base, cmd: "events", last: r.last, logs: r.logs === true };
    case "history":
      if (r.earlierRuns !== undefined && typeof r.earlierRuns !== "boolean")
        return "history's earlierRuns must be true or false";
      return r.earlierRuns ? { ...base, cmd: "history", earlierRuns: true } : { ...base, cmd: "history" };
    case "restart":
      return parseRestart(r, base);
    case "end":
    case "ping":
    case "status":
      return { ...base, cmd: r.cmd };
    default:
      return `unknown command ${JSON.stringify(r.cmd)}`;
  }
}

/** A say's audio options, checked; a message for a person when they are not. */
function parseSpokenTurn(value: unknown): SpokenTurnOptions | string {
  if (typeof value !== "object" || value === null) return "say's audio must be an object";
  const a = value as Record<string, unknown>;
  const out: SpokenTurnOptions = {};
  if (a.speed !== undefined) {
    const bad = badSpeed(a.speed);
    if (bad) return `say's audio.speed: ${bad}`;
    out.speed = a.speed as number;
  }
  if (a.interruptAfterMs !== undefined) {
    if (typeof a.interruptAfterMs !== "number" || !(a.interruptAfterMs >= 0))
      return "say's audio.interruptAfterMs must be a number of ms, 0 or more";
    out.interruptAfterMs = a.interruptAfterMs;
  }
  if (a.saveAudioDir !== undefined) {
    if (typeof a.saveAudioDir !== "string" || a.saveAudioDir === "")
      return "say's audio.saveAudioDir must be a folder's path";
    out.saveAudioDir = a.saveAudioDir;
  }
  return out;
}

function parseRestart(r: Record<string, unknown>, base: { ackBy?: number }): ControlRequest | string {
  const env = r.env;
  if (typeof env !== "object" || env === null || Array.isArray(env)) return "restart needs an env object";
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) return `restart's env has a bad variable name ${JSON.stringify(name)}`;
    if (typeof value !== "string") return `restart's env value of ${name} must be a string`;
  }
  const request: ControlRequest = { ...base, cmd: "restart", env: env as Record<string, string> };
  const { connectTimeoutMs, idleTimeoutMs, envFrom } = r;
  if (envFrom !== undefined) {
    const from = envFrom as Partial<EnvFrom> | null;
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (typeof from !== "object" || from === null || !strings(from.files) || !strings(from.flags))
      return "restart's envFrom needs files and flags (lists of strings)";
    request.envFrom = { files: from.files as string[], flags: from.flags as string[] };
  }
  if (connectTimeoutMs !== undefined) {
    if (typeof connectTimeoutMs !== "number" || !(connectTimeoutMs > 0))
      return "restart's connectTimeoutMs must be positive";
    request.connectTimeoutMs = connectTimeoutMs;
  }
  if (idleTimeoutMs !== undefined) {
    if (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0))
      return "restart's idleTimeoutMs must be 0 or more";
    request.idleTimeoutMs = idleTimeoutMs;
  }
  return request;
}
