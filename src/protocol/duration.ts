// Durations: read as people write them (`--timeout 90s`, `--idle-timeout 1h30m`, a scenario's
// `timeout: 60s`), and written as people read them; the daemon words its messages with them too.

/** Timers cannot wait longer than 2^31 - 1 ms (24.8 days); beyond, they would fire at once. */
export const MAX_TIMEOUT_SECONDS = 2_000_000;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A plain decimal number, no unit: seconds on the command line (`90`, `1.5`, `.5`). */
export function isPlainSeconds(raw: string): boolean {
  return /^[0-9]*\.?[0-9]+$|^[0-9]+\.$/.test(raw);
}

/** `90s`, `2m`, `1h30m`, `1.5s`, `500ms`, or plain seconds (`90`, `1.5`, `.5`) in ms, unrounded; undefined when it is none. */
export function parseDuration(raw: string): number | undefined {
  if (isPlainSeconds(raw)) return Number(raw) * 1000;
  if (!/^([0-9]+(\.[0-9]+)?(h|ms|m|s))+$/.test(raw)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of raw.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|ms|m|s)/g))
    ms += Number(amount) * (UNIT_MS[unit as string] as number);
  return ms;
}

/** A duration a timer can wait: whole ms, at least 1, at most MAX_TIMEOUT_SECONDS; undefined otherwise. */
export function parseTimerMs(raw: string): number | undefined {
  const exact = parseDuration(raw);
  const ms = exact === undefined ? Number.NaN : Math.round(exact);
  return ms >= 1 && ms <= MAX_TIMEOUT_SECONDS * 1000 ? ms : undefined;
}

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
