// Durations as scenarios write them (`2s`, `500ms`, `1.5m`), and back for messages.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Milliseconds, or undefined when the text is not a number with a unit (ms, s or m). */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `143 ms`, `2.3 s`: what a person reads in a failure. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
