// Durations and times of day as people read them.

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

/** Local time of day: `14:03:07`, or `14:03:07.042` with milliseconds. */
export function clockTime(at: number, withMs = false): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return withMs ? `${time}.${String(d.getMilliseconds()).padStart(3, "0")}` : time;
}

/** `at 14:03:07` today, `on 2026-03-01 at 14:03:07` another day. */
export function whenText(at: number, now = Date.now()): string {
  const d = new Date(at);
  const sameDay = d.toDateString() === new Date(now).toDateString();
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return sameDay ? `at ${clockTime(at)}` : `on ${date} at ${clockTime(at)}`;
}
