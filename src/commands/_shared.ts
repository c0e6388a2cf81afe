// Pieces every session command shares: the --port and --json flags, their values, and the IO a run gets.

import { UserError } from "../errors.ts";
import { MAX_TIMEOUT_SECONDS, parseDuration, parseTimerMs } from "../protocol/duration.ts";
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

/** A count or a port: plain decimal digits only (no sign, hex, exponent, spaces or empty string). */
export function parseWholeNumber(raw: string): number | undefined {
  return /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
}

/** --port, else LK_SESSION_PORT (an empty one is unset, as environment variables go), else the default. */
export function resolvePort(flag: string | undefined, env: Record<string, string | undefined>): number {
  const raw = flag ?? (env.LK_SESSION_PORT === "" ? undefined : env.LK_SESSION_PORT);
  if (raw === undefined) return DEFAULT_PORT;
  const port = parseWholeNumber(raw);
  if (port === undefined || port < 1 || port > 65535) {
    const source = flag !== undefined ? "--port" : "LK_SESSION_PORT";
    throw new UserError(`${source} must be a whole number from 1 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return port;
}

/** How the agent is run: `start` and `test` alike. */
export const agentArgs = {
  runtime: {
    type: "string",
    description:
      "Node.js agents: `node`, or `bun` to run them with the runtime built into lk (the default without node)",
    valueHint: "node|bun",
  },
  "skip-sdk-check": {
    type: "boolean",
    description: "Do not check the LiveKit agents SDK version (for non-LiveKit agents)",
  },
} as const;

export function parseAgentArgs(
  args: { runtime?: string; "skip-sdk-check": boolean },
  env: Record<string, string | undefined>,
): { runtime: "node" | "bun" | undefined; skipSdkCheck: boolean } {
  const runtime = args.runtime;
  if (runtime !== undefined && runtime !== "node" && runtime !== "bun") {
    throw new UserError(`--runtime must be node or bun (got ${JSON.stringify(runtime)})`);
  }
  return { runtime, skipSdkCheck: args["skip-sdk-check"] || env.LK_SESSION_SKIP_SDK_CHECK === "1" };
}

/**
 * A duration option in ms (`fallbackMs` when not given): the one place timeouts are parsed. One
 * that rounds to 0 ms is refused like 0, unless `zero` (never) is allowed and it is exactly 0.
 */
export function parseDurationOption(
  raw: string | undefined,
  fallbackMs: number,
  name: string,
  { zero = false } = {},
): number {
  if (raw === undefined) return fallbackMs;
  if (zero && parseDuration(raw) === 0) return 0;
  const ms = parseTimerMs(raw);
  if (ms === undefined) {
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

/** --idle-timeout, else LK_SESSION_IDLE_TIMEOUT (an empty one is unset), else `fallbackMs`; 0 is never. */
export function resolveIdleTimeout(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  fallbackMs: number,
): number {
  if (flag !== undefined) return parseDurationOption(flag, fallbackMs, "--idle-timeout", { zero: true });
  const raw = env.LK_SESSION_IDLE_TIMEOUT === "" ? undefined : env.LK_SESSION_IDLE_TIMEOUT;
  return parseDurationOption(raw, fallbackMs, "LK_SESSION_IDLE_TIMEOUT", { zero: true });
}

/** A timeout in ms: a duration, or seconds as before (`fallback` in seconds when not given). */
export function parseSeconds(raw: string | undefined, fallback: number, name: string): number;
export function parseSeconds(raw: string | undefined, fallback: undefined, name: string): number | undefined;
export function parseSeconds(raw: string | undefined, fallback: number | undefined, name: string) {
  if (raw === undefined) return fallback === undefined ? undefined : fallback * 1000;
  return parseDurationOption(raw, 0, name);
}

export { DEFAULT_PORT, parseDuration, portHint };
