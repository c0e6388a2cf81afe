// Splits `lk … start [entrypoint] -- runtime args`: what follows `--` goes to the agent's interpreter
// untouched, so the command parser never sees (or mangles) it.

export interface SplitArgv {
  own: string[];
  runtimeArgs: string[];
}

/** Only `start` has runtime args; for other commands (`say -- -5 degrees`) `--` keeps its usual meaning. */
export function splitRuntimeArgs(argv: string[]): SplitArgv {
  const at = argv.indexOf("--");
  const command = argv.filter((a) => !a.startsWith("-")).slice(0, 3);
  const isStart = command.join(" ") === "agent session start";
  if (at === -1 || !isStart || argv.indexOf("start") > at) return { own: argv, runtimeArgs: [] };
  return { own: argv.slice(0, at), runtimeArgs: argv.slice(at + 1) };
}

let current: string[] = [];

export function setRuntimeArgs(args: string[]): void {
  current = args;
}

export function runtimeArgs(): string[] {
  return current;
}
