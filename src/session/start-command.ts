// The `start` command that starts a session again as it was started, for a person to paste into a
// POSIX shell, a fresh one: what of start's shell chose the interpreter ($VIRTUAL_ENV, a PATH folder),
// then its entrypoint, port, runtime choices, timeouts, audio mode, --env-file files, --env and runtime
// args. A secret's value is never printed: `--env NAME` takes it from the shell the command is run in.

import { shellQuote } from "../render/shell-quote.ts";
import type { Relaunch } from "../state/session-file.ts";
import { DEFAULT_PORT } from "./port-hint.ts";

const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;

export function startCommand(r: Relaunch, port: number): string {
  const words = ["lk", "agent", "session", "start", joinPath(r.root, r.entry)];
  const flags = r.envFlags ?? r.env ?? {};
  if (port !== DEFAULT_PORT) words.push("--port", String(port));
  if (r.runtime === "node" || r.runtime === "bun") words.push("--runtime", r.runtime);
  if (r.skipSdkCheck === true) words.push("--skip-sdk-check");
  if (r.connectTimeoutMs !== undefined && r.connectTimeoutMs !== DEFAULT_CONNECT_TIMEOUT_MS)
    words.push("--timeout", exactDuration(r.connectTimeoutMs));
  if (r.idleTimeoutMs !== undefined && r.idleTimeoutMs !== DEFAULT_IDLE_TIMEOUT_MS)
    words.push("--idle-timeout", exactDuration(r.idleTimeoutMs));
  if (r.audio) {
    words.push("--audio");
    if (r.audio.voice !== undefined) words.push("--voice", r.audio.voice);
    if (r.audio.ttsCommand !== undefined) words.push("--tts-command", r.audio.ttsCommand);
    if (r.audio.fastPlayback) words.push("--fast-playback");
  }
  for (const file of r.envFiles ?? []) words.push("--env-file", file);
  for (const [name, value] of Object.entries(flags))
    words.push("--env", typeof value === "string" ? `${name}=${value}` : name);
  if (r.runtimeArgs?.length) words.push("--", ...r.runtimeArgs);
  return [...shellPrefix(r, flags), ...words.map(shellQuote)].join(" ");
}

/** The --env given by name only (secrets): their values must be in the shell that runs the command. */
export function secretsToGive(r: Relaunch): string[] {
  return Object.entries(r.envFlags ?? r.env ?? {}).flatMap(([name, value]) => (value === null ? [name] : []));
}

/**
 * `VIRTUAL_ENV=… PATH=…:"$PATH"`: start's shell's, where they chose the interpreter (an --env of the same
 * name wins). The name stays unquoted: a quoted `NAME=value` is a command, not an assignment.
 */
function shellPrefix(r: Relaunch, flags: Record<string, unknown>): string[] {
  const prefix: string[] = [];
  const venv = r.fromShell?.VIRTUAL_ENV;
  if (venv !== undefined && !("VIRTUAL_ENV" in flags)) prefix.push(`VIRTUAL_ENV=${shellQuote(venv)}`);
  const dir = r.fromShell?.pathDir;
  if (dir !== undefined && !("PATH" in flags)) prefix.push(`PATH=${shellQuote(dir)}:"$PATH"`);
  return prefix;
}

/** `90s`, `1h30m`, `2m5s500ms`, `0`: what --timeout reads back as the same number of ms. */
export function exactDuration(ms: number): string {
  if (ms === 0) return "0";
  const parts: [number, string][] = [
    [Math.floor(ms / 3_600_000), "h"],
    [Math.floor((ms % 3_600_000) / 60_000), "m"],
    [Math.floor((ms % 60_000) / 1000), "s"],
    [Math.round(ms % 1000), "ms"],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join("");
}

/** The entrypoint's full path, in the root's own style (a Windows root keeps its backslashes). */
function joinPath(root: string, entry: string): string {
  const sep = root.includes("\\") && !root.includes("/") ? "\\" : "/";
  return root.endsWith(sep) ? `${root}${entry}` : `${root}${sep}${entry}`;
}
