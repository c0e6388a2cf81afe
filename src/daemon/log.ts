// The daemon's own log (its stderr is a file): capped, so a flood of bad connections cannot fill a disk.
// Written straight to the file: process.stderr (a Node stream) would cost the daemon's start-up ~1 ms.

import { writeSync } from "node:fs";

const DAEMON_LOG_CAP_BYTES = 2 * 1024 * 1024;
let daemonLogBytes = 0;

export function log(message: string): void {
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) return;
  const at = new Date().toISOString();
  let line = `${at} ${message}\n`;
  daemonLogBytes += line.length;
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) line += `${at} (log capped; later messages are dropped)\n`;
  try {
    writeSync(2, line);
  } catch {
    // A log that cannot be written (disk full) must not stop the session.
  }
}
