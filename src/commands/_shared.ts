// Pieces every session command shares: the --port flag, finding the session, printing failures.

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { killTreeNow } from "../agent/process-tree.ts";
import { portIsOpen } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { isAlive, readState, removeState, type SessionState } from "../session/state.ts";

export const DEFAULT_PORT = 8775;

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

export function parseSeconds(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(`${name} must be a positive number of seconds (got ${JSON.stringify(raw)})`);
  }
  return Math.round(seconds * 1000);
}

/** ` --port N` when the port is not the default, for hints the user can paste. */
export function portHint(port: number): string {
  return port === DEFAULT_PORT ? "" : ` --port ${port}`;
}

export type StaleNote = { stale: SessionState };

/** Guards against pid reuse: the recorded pid must still be the agent started for this port. */
function isOurAgent(pid: number, port: number, argv0: string): boolean {
  if (process.platform === "win32") {
    // Windows reuses pids quickly: at least the program must be the same.
    const out = Bun.spawnSync(["tasklist", "/FI", `PID eq ${pid}`, "/FO", "CSV", "/NH"], {
      windowsHide: true,
    });
    return out.stdout
      .toString()
      .toLowerCase()
      .includes(`"${basename(argv0).toLowerCase()}`);
  }
  if (process.platform !== "linux") return true;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes(`127.0.0.1:${port}`);
  } catch {
    return false;
  }
}

/**
 * The running session on `port`, or a UserError saying there is none. A state file whose
 * daemon died is removed and its agent tree killed; the notes say so.
 */
export async function findSession(port: number): Promise<SessionState> {
  const state = readState(port);
  if (state && isAlive(state.daemonPid)) return state;
  const notes: string[] = [];
  if (state) {
    notes.push(`removed a stale session record: its daemon (pid ${state.daemonPid}) is gone`);
    // The agent of a dead daemon is unreachable and useless: whoever notices first kills it.
    if (
      state.agent.pid &&
      isAlive(state.agent.pid) &&
      isOurAgent(state.agent.pid, port, state.agent.argv[0] ?? "")
    ) {
      killTreeNow(state.agent.pid);
      notes.push(`killed its orphaned agent (pid ${state.agent.pid})`);
    }
    removeState(port);
  }
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
  throw new UserError(
    `no session running on 127.0.0.1:${port} (run \`lk agent session start${portHint(port)}\` first)`,
    1,
    notes,
  );
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
