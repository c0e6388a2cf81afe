// The agent's environment overrides (`--env`, `--env-file`): which variable names are secrets, and
// the overrides as they may be shown or written down (a secret's value never is).

/** A variable name a POSIX shell can set: a letter or `_`, then letters, digits and `_`. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names whose values are never shown, logged or written to a file: *KEY*, *SECRET*, *TOKEN*, *PASSWORD* (any case). */
export function isSecretName(name: string): boolean {
  return /KEY|SECRET|TOKEN|PASSWORD/i.test(name);
}

/** The overrides as `status`, the session record and hints show them: each value, or null for a secret. */
export type ShownEnv = Record<string, string | null>;

export function shownEnv(env: Record<string, string>): ShownEnv {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, isSecretName(name) ? null : value]),
  );
}

/** Where the overrides came from: the --env-file paths given (absolute, in order), and the names --env set. */
export interface EnvFrom {
  files: string[];
  flags: string[];
}

/**
 * After a restart's overrides: its files come last (a file given again moves there), and a name its
 * files set is no longer one of the earlier --env's (the file's value is the one the agent got).
 */
export function laterEnvFrom(before: EnvFrom, restart: EnvFrom, restartEnv: Record<string, string>): EnvFrom {
  const fromFiles = new Set(Object.keys(restartEnv).filter((name) => !restart.flags.includes(name)));
  const flags = before.flags.filter((name) => !fromFiles.has(name) && !restart.flags.includes(name));
  return {
    files: [...before.files.filter((file) => !restart.files.includes(file)), ...restart.files],
    flags: [...flags, ...restart.flags],
  };
}
