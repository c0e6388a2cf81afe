// Durations and times of day as people read them.

export { formatDuration } from "../protocol/duration.ts";

/** Local time of day: `14:03:07`, or `14:03:07.042` with milliseconds. */
export function clockTime(at: number, withMs = false): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return withMs ? `${time}.${String(d.getMilliseconds()).padStart(3, "0")}` : time;
}
