// How to run this program again: the compiled binary alone, or bun + the script in a source run.

/**
 * True inside a `bun build --compile` binary. Bun says so itself (Bun.isStandaloneExecutable); the
 * fallback reads Bun.main, which there lives in Bun's embedded filesystem: `/$bunfs/root/lk` on
 * Linux and macOS, `B:\~BUN\root\lk.exe` on Windows (seen with either slash and either case).
 */
export function isCompiledBinary(
  main: string = Bun.main,
  flag: boolean | null = Bun.isStandaloneExecutable ?? null,
): boolean {
  if (flag !== null) return flag;
  return main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(main);
}

/** Argv prefix that re-executes this CLI (the daemon is this same program). */
export function selfCommand(): string[] {
  return isCompiledBinary() ? [process.execPath] : [process.execPath, Bun.main];
}

/** Argv prefix that runs this executable as the plain `bun` CLI (the child also needs BUN_BE_BUN=1). */
export function selfAsBun(): string[] {
  return [process.execPath];
}
