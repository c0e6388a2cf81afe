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

export { DEFAULT_PORT, portHint };
