// Pieces every session command shares: the --port and --json flags, their values, and the IO a run gets.

import { UserError } from "../errors.ts";
import type { Reporter } from "../render/reporter.ts";
import { DEFAULT_PORT, portHint } from "../session/port-hint.ts";
import type { SessionClient } from "../session/session-client.ts";

/** What a command's run is given: where its output goes, the session, and stdin. */
export interface CommandIO {
  /** stdout and stderr: text for people, or NDJSON with --json. */
  reporter: Reporter;
  session: SessionClient;
  /** All of stdin (`say -`, or piped text). */
  readStdin(): Promise<string>;
}

export const jsonArg = {
  json: { type: "boolean", description: "Newline-delimited JSON: one line per event, then a result line" },
} as const;

export const portArg = {
  port: {
    type: "string",
    description: `Session port on 127.0.0.1 (default ${DEFAULT_PORT}, or LK_SESSION_PORT)`,
    valueHint: "PORT",
  },
} as const;

export function resolvePort(flag: string | undefined, env: Record<string, string | undefined>): number {
  const raw = flag ?? env.LK_SESSION_PORT;
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    const source = flag !== undefined ? "--port" : "LK_SESSION_PORT";
    throw new UserError(`${source} must be a whole number from 1 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return port;
}

export const MAX_TIMEOUT_SECONDS = 2_000_000;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `90s`, `2m`, `1h30m`, `1.5s`, `500ms`, or plain seconds (`90`, `1.5`) in ms; undefined when it is none. */
export function parseDuration(raw: string): number | undefined {
  const text = raw.trim();
  if (/^(\d+\.?\d*|\.\d+)$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g))
    ms += Number(amount) * (UNIT_MS[unit as string] as number);
  return Math.round(ms);
}

/** A duration option in ms (`fallbackMs` when not given); `zero` allows 0 (never). */
export function parseDurationOption(
  raw: string | undefined,
  fallbackMs: number,
  name: string,
  { zero = false } = {},
): number {
  if (raw === undefined || raw === "") return fallbackMs;
  const ms = parseDuration(raw);
  // Timers cannot wait longer than 2^31 - 1 ms (24.8 days); beyond, they would fire at once.
  if (ms === undefined || ms > MAX_TIMEOUT_SECONDS * 1000 || ms < 0 || (ms === 0 && !zero)) {
    throw new UserError(
      `${name} must be a duration like 90s, 2m or 1h30m, or a number of seconds${zero ? " (0: never)" : ""}, at most ${MAX_TIMEOUT_SECONDS} s (got ${JSON.stringify(raw)})`,
    );
  }
  return ms;
}

/** How long a session may go without a command before it ends itself (start's default). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;

export const idleTimeoutArg = {
  "idle-timeout": {
    type: "string",
    description:
      "End the session after this long with no command (default 30m, or LK_SESSION_IDLE_TIMEOUT; 0: never)",
    valueHint: "DURATION",
  },
} as const;

/** --idle-timeout, else LK_SESSION_IDLE_TIMEOUT, else `fallbackMs`; 0 is never. */
export function resolveIdleTimeout(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  fallbackMs: number,
): number {
  if (flag !== undefined) return parseDurationOption(flag, fallbackMs, "--idle-timeout", { zero: true });
  return parseDurationOption(env.LK_SESSION_IDLE_TIMEOUT, fallbackMs, "LK_SESSION_IDLE_TIMEOUT", {
    zero: true,
  });
}

/** A positive timeout (a duration, or seconds as before) in ms; `fallback` is in seconds. */
export function parseSeconds(raw: string | undefined, fallback: number, name: string): number {
  return parseDurationOption(raw, fallback * 1000, name);
}

export { DEFAULT_PORT, portHint };
