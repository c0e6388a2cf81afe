// The daemon's own log (its stderr is a file): capped, so a flood of bad connections cannot fill a disk.

const DAEMON_LOG_CAP_BYTES = 2 * 1024 * 1024;
let daemonLogBytes = 0;

export function log(message: string): void {
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) return;
  const at = new Date().toISOString();
  let line = `${at} ${message}\n`;
  daemonLogBytes += line.length;
  if (daemonLogBytes >= DAEMON_LOG_CAP_BYTES) line += `${at} (log capped; later messages are dropped)\n`;
  process.stderr.write(line);
}
