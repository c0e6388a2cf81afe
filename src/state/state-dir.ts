// Where a user's session files live: a folder only that user can write (and read).
//
// Whoever can write the folder can plant files lk reads back (the token, what `restart` starts) and
// links it would write through, so an existing folder that another user owns, or that group or
// others can write, is refused, by every command. Windows: not checked (no owner or mode bits to
// read cheaply); the default folder is in the user's profile (%LOCALAPPDATA%), which only that user
// can write unless its ACL was changed, and an LK_SESSION_STATE_DIR there is trusted as given.

import { chmodSync, mkdirSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";

export function stateDir(env = process.env, platform = process.platform): string {
  if (env.LK_SESSION_STATE_DIR) return env.LK_SESSION_STATE_DIR;
  const home = () => homedir(env, platform);
  if (platform === "win32")
    return join(env.LOCALAPPDATA ?? join(home(), "AppData", "Local"), "lk", "agent-sessions");
  if (platform === "darwin") return join(home(), "Library", "Application Support", "lk", "agent-sessions");
  return join(env.XDG_STATE_HOME || join(home(), ".local", "state"), "lk", "agent-sessions");
}

/**
 * os.homedir(), which on Linux and macOS answers $HOME when it is set: node:os is loaded only
 * without it, as it costs every command's start-up ~0.15 ms.
 */
function homedir(env: Record<string, string | undefined>, platform: string): string {
  if (platform !== "win32" && env.HOME) return env.HOME;
  return (require("node:os") as typeof import("node:os")).homedir();
}

/** Creates the folder 0700, or checks the one there (see trustedStateDir), and returns it. */
export function ensureStateDir(dir = stateDir()): string {
  trustedStateDir(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Checked again: what is there now is what every later file goes into.
  return trustedStateDir(dir);
}

/**
 * The folder, once it is known to be the user's alone; throws a UserError when it is not. A missing
 * folder is fine (nothing there to trust). Ours with read rights for others is tightened to 0700.
 */
export function trustedStateDir(dir = stateDir()): string {
  if (process.platform === "win32") return dir;
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) return dir;
  const refusal = whyUntrusted(dir, stat, process.getuid?.() ?? -1);
  if (refusal) throw refusal;
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Why lk must not use this folder, or undefined when it may. */
export function whyUntrusted(dir: string, stat: Stats, uid: number): UserError | undefined {
  const risk = "anyone who can write there can plant files that lk reads back, or links it writes through";
  if (!stat.isDirectory()) {
    return new UserError(`the state folder ${dir} is not a folder`, 1, [
      "point LK_SESSION_STATE_DIR at a folder of your own, or unset it",
    ]);
  }
  if (stat.uid !== uid) {
    return new UserError(
      `the state folder ${dir} belongs to another user (uid ${stat.uid}); lk will not use it`,
      1,
      [
        risk,
        "point LK_SESSION_STATE_DIR at a folder of your own (lk creates a missing one, 0700), or unset it",
      ],
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
    return new UserError(
      `the state folder ${dir} can be written by other users (mode ${mode}); lk will not use it`,
      1,
      [risk, `make it yours alone: chmod 700 ${dir}`, "or point LK_SESSION_STATE_DIR at another folder"],
    );
  }
  return undefined;
}
