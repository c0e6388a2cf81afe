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

export const MAX_TIMEOUT_SECONDS = 2_000_000;

/**
 * A timeout in ms from a number of seconds (`fallback` when the option is not given): the one
 * place timeouts are parsed. Plain decimals only; one that rounds to 0 ms is refused like 0.
 */
export function parseSeconds(raw: string | undefined, fallback: number, name: string): number;
export function parseSeconds(raw: string | undefined, fallback: undefined, name: string): number | undefined;
export function parseSeconds(raw: string | undefined, fallback: number | undefined, name: string) {
  if (raw === undefined) return fallback === undefined ? undefined : fallback * 1000;
  const seconds = /^[0-9]*\.?[0-9]+$|^[0-9]+\.$/.test(raw) ? Number(raw) : Number.NaN;
  const ms = Math.round(seconds * 1000);
  // Timers cannot wait longer than 2^31 - 1 ms (24.8 days); beyond, they would fire at once.
  if (!(ms >= 1) || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UserError(
      `${name} must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS} (got ${JSON.stringify(raw)})`,
    );
  }
  return ms;
}

export { DEFAULT_PORT, portHint };
