// LK_PROFILE=1: where a command's milliseconds go (bench/profile-say.ts reads it; bench/README.md).
// Each mark is an absolute time (ms since the epoch, sub-ms: performance.timeOrigin + now), so
// that the process that spawned this one can place them against its own clock. They go to stderr
// as one JSON line just before exit. Off (the default), a mark is one comparison.

const on = process.env.LK_PROFILE === "1";
const marks: [string, number][] = [];

export function mark(name: string): void {
  if (on) marks.push([name, performance.timeOrigin + performance.now()]);
}

/** The marks as one line for stderr, or undefined when not profiling. */
export function profileLine(): string | undefined {
  if (!on) return undefined;
  mark("exit");
  return `${JSON.stringify({ lkProfile: Object.fromEntries(marks) })}\n`;
}

// This module is imported first: its evaluation is the moment our own code begins.
mark("runtime");
