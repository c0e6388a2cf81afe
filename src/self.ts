// How to run this program again: the compiled binary alone, or bun + the script in a source run.

/** True inside a `bun build --compile` binary, whose modules live in Bun's embedded filesystem. */
export function isCompiledBinary(): boolean {
  return Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(Bun.main);
}

/** Argv prefix that re-executes this CLI (the daemon is this same program). */
export function selfCommand(): string[] {
  return isCompiledBinary() ? [process.execPath] : [process.execPath, Bun.main];
}

/** Argv prefix that runs this executable as the plain `bun` CLI (the child also needs BUN_BE_BUN=1). */
export function selfAsBun(): string[] {
  return [process.execPath];
}
