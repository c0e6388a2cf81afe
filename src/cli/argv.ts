// Splits `lk … start [entrypoint] -- runtime args`: what follows `--` goes to the agent's interpreter
// untouched, so the command parser never sees (or mangles) it.

export interface SplitArgv {
  own: string[];
  runtimeArgs: string[];
}

export function splitRuntimeArgs(argv: string[]): SplitArgv {
  const at = argv.indexOf("--");
  if (at === -1) return { own: argv, runtimeArgs: [] };
  return { own: argv.slice(0, at), runtimeArgs: argv.slice(at + 1) };
}

let current: string[] = [];

export function setRuntimeArgs(args: string[]): void {
  current = args;
}

export function runtimeArgs(): string[] {
  return current;
}
