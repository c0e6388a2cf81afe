// Where a user's session files live: a folder only that user can read.

import { chmodSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export function stateDir(env = process.env, platform = process.platform): string {
  if (env.LK_SESSION_STATE_DIR) return env.LK_SESSION_STATE_DIR;
  if (platform === "win32")
    return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "lk", "agent-sessions");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "lk", "agent-sessions");
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "lk", "agent-sessions");
}

/** Creates the folder 0700 (tightening it when it exists with wider rights) and returns it. */
export function ensureStateDir(dir = stateDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== "win32" && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
