// A duration as people read it: the daemon words its messages with it, and so do commands.

/** `5s`, `1m05s`, `30m`, `1h02m`, `2h` (under a second: `500ms`). */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  if (h) return m ? `${h}h${two(m)}m` : `${h}h`;
  if (m) return s % 60 ? `${m}m${two(s % 60)}s` : `${m}m`;
  return `${s}s`;
}
