// One small file per port describes the running session: who the daemon is and the
// token that proves a client belongs to the session's owner.

import { rmSync } from "node:fs";
import { join } from "node:path";
import type { AudioSettings } from "../protocol/audio.ts";
import type { LaunchChoices } from "../protocol/daemon-spec.ts";
import type { ShownEnv } from "../protocol/env.ts";
import type { ShellChoice } from "../protocol/launch-plan.ts";
import { readNoFollow, writeFileAtomic } from "../safe-files.ts";
import { ensureStateDir, stateDir, trustedStateDir } from "./state-dir.ts";

export interface SessionState {
  version: 1;
  port: number;
  daemonPid: number;
  /** Random, hex, 256 bits: presented on every control connection. */
  token: string;
  /** When this run (the agent now running) started. */
  startedAt: string;
  /** Which run it is: 1, then one more at each restart (absent in older records). */
  run?: number;
  /** When the daemon started (absent in older records). */
  daemonStartedAt?: string;
  /** When the session's first run started, when it was restarted since (the transcript covers them all). */
  sessionStartedAt?: string;
  agent: {
    pid?: number;
    /** In the environment of everything the agent started (src/agent/marker.ts). */
    marker?: string;
    /** The runtime it was started with: `restart` asks for the same one. */
    runtime: string;
    label: string;
    entry: string;
    root: string;
    /** What was run, for people: `restart` never runs it, it plans the launch again (as `start`). */
    argv: string[];
    runtimeArgs: string[];
  };
  /** What `restart` needs besides the agent above to start the same agent again. */
  launch: {
    connectTimeoutMs: number;
    idleTimeoutMs?: number;
    /** The `--env`/`--env-file` overrides as they may be shown (a secret's value is null: never written here). */
    env?: ShownEnv;
    /** `start --audio` and its options: the mode `restart` keeps and the ended record's start command names. */
    audio?: AudioSettings;
  } & RelaunchEnv &
    Partial<LaunchChoices>;
  agentLog: string;
  daemonLog: string;
}

/** The overrides as the `start` printed after an end gives them again (absent in older records). */
export interface RelaunchEnv {
  /** The --env-file paths given to start and its restarts, absolute, in the order they apply. */
  envFiles?: string[];
  /** What --env set (and no later file changed); a secret's value is null. */
  envFlags?: ShownEnv;
  /** What of start's shell chose the interpreter ($VIRTUAL_ENV, a PATH folder). */
  fromShell?: ShellChoice;
}

/** What a session was started with, for the `start` command a person can run to start it again. */
export interface Relaunch extends RelaunchEnv {
  entry: string;
  root: string;
  runtimeArgs: string[];
  runtime?: "node" | "bun";
  skipSdkCheck?: boolean;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  env?: ShownEnv;
  /** An audio session's --voice, --tts-command and --fast-playback. */
  audio?: Pick<AudioSettings, "voice" | "ttsCommand" | "fastPlayback">;
}

export function relaunchOf(state: SessionState): Relaunch {
  const { entry, root, runtimeArgs } = state.agent;
  const {
    runtime,
    skipSdkCheck,
    connectTimeoutMs,
    idleTimeoutMs,
    env,
    envFiles,
    envFlags,
    fromShell,
    audio,
  } = state.launch;
  const relaunch: Relaunch = {
    entry,
    root,
    runtimeArgs,
    runtime,
    skipSdkCheck,
    connectTimeoutMs,
    idleTimeoutMs,
    env,
    envFiles,
    envFlags,
    fromShell,
  };
  if (audio) {
    const { voice, ttsCommand, fastPlayback } = audio;
    relaunch.audio = { voice, ttsCommand, fastPlayback };
  }
  return relaunch;
}

export function statePath(port: number, dir = stateDir()): string {
  return join(dir, `session-${port}.json`);
}

export function logPaths(port: number, dir = stateDir()): { agentLog: string; daemonLog: string } {
  return {
    agentLog: join(dir, `session-${port}.agent.log`),
    daemonLog: join(dir, `session-${port}.daemon.log`),
  };
}

/** The port's record, if there is a readable one; a state folder or record lk must not trust throws. */
export function readState(port: number): SessionState | undefined {
  const value = readRecord<SessionState>(statePath(port, trustedStateDir()));
  return value?.version === 1 && value.port === port ? value : undefined;
}

/** A JSON record of the state folder: undefined when missing or not JSON; a link throws. */
export function readRecord<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readNoFollow(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename), readable by the owner only. */
export function writeState(state: SessionState): void {
  const dir = ensureStateDir();
  writeFileAtomic(statePath(state.port, dir), JSON.stringify(state, null, 2));
}

export function removeState(port: number): void {
  rmSync(statePath(port), { force: true });
}

export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}
