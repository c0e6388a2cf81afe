// Pieces every session command shares: the --port flag, finding the session, printing failures.

import { portIsOpen } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_PORT, noSession, portHint } from "../session/no-session.ts";
import { cleanStaleRecord, isOurDaemon } from "../session/stale.ts";
import { readState, type SessionState } from "../state/session-file.ts";

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

export function resolvePort(flag: string | undefined, env = process.env): number {
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

export function parseSeconds(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback * 1000;
  const seconds = Number(raw);
  // Timers cannot wait longer than 2^31 - 1 ms (24.8 days); beyond, they would fire at once.
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UserError(
      `${name} must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS} (got ${JSON.stringify(raw)})`,
    );
  }
  return Math.round(seconds * 1000);
}

/**
 * The running session on `port`, or a UserError saying there is none. A record whose daemon is gone
 * (or whose pid now belongs to another program) is cleaned up; the notes say so.
 */
export async function findSession(port: number): Promise<SessionState> {
  const state = readState(port);
  if (state && isOurDaemon(state, true)) return state;
  const notes = state ? cleanStaleRecord(state, `its daemon (pid ${state.daemonPid}) is gone`) : [];
  if (await portIsOpen(port)) {
    throw new UserError(
      `no session of yours is running on 127.0.0.1:${port}, but another program is listening there`,
      1,
      [
        ...notes,
        "if it is a session started by another user or with another LK_SESSION_STATE_DIR, it cannot be driven from here",
        `use another port with --port N, or stop that program`,
      ],
    );
  }
  throw noSession(port, notes);
}

/** Every value of a repeatable flag (`--expect a --expect b`, or `--expect=a`); citty keeps only the last. */
export function repeatedFlag(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i] as string);
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values;
}

export { DEFAULT_PORT, portHint };
