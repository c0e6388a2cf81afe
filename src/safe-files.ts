// Opening the files lk writes and reads back (state, logs, ready reports, transcripts) without ever
// following a symbolic link: a link planted where lk writes must not make it overwrite, or read
// back, a file the link points at. Windows has no O_NOFOLLOW; there the flag is 0 (see README).

import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { UserError } from "./errors.ts";

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_TRUNC, O_WRONLY } = constants;

const FLAGS = {
  read: O_RDONLY | NOFOLLOW,
  truncate: O_WRONLY | O_CREAT | O_TRUNC | NOFOLLOW,
  append: O_WRONLY | O_CREAT | O_APPEND | NOFOLLOW,
  /** A file that must not exist yet: a temporary file nobody can have planted in advance. */
  new: O_WRONLY | O_CREAT | O_EXCL | NOFOLLOW,
} as const;

export type OpenHow = keyof typeof FLAGS;

/** openSync without following a final symbolic link (owner-only when it creates); a link is a UserError. */
export function openNoFollow(path: string, how: OpenHow, mode = 0o600): number {
  try {
    return openSync(path, FLAGS[how], mode);
  } catch (error) {
    throw linkError(path, error);
  }
}

/** Refuses a link at `path` before anything is written (the open itself refuses one made later). */
export function refuseLink(path: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw linkError(path, { code: "ELOOP" });
}

/** The whole file as text, a link refused. */
export function readNoFollow(path: string): string {
  const fd = openNoFollow(path, "read");
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `path` whole or not at all: a new temporary file beside it (exclusive, unpredictable name),
 * then a rename, which replaces a link rather than writing through it. The temporary file never
 * outlives a failure.
 */
export function writeFileAtomic(path: string, content: string): void {
  const random = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex");
  const temp = `${path}.${process.pid}.${random}.tmp`;
  let fd = openNoFollow(temp, "new");
  try {
    writeSync(fd, content);
    closeSync(fd);
    fd = -1;
    renameSync(temp, path);
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}

/** ELOOP (O_NOFOLLOW met a link) as the message a person can act on; other errors unchanged. */
function linkError(path: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== "ELOOP") return error;
  return new UserError(`${path} is a symbolic link, and lk does not follow links there`, 1, [
    `remove it (rm ${path}) and try again; lk creates its own files`,
  ]);
}
