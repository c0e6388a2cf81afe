// What `start --env/--env-file` (and `restart`'s) ask for: the variables the agent gets on top of the
// environment of the shell that ran `start`. Files are read in order, later ones winning; `--env` wins
// over every file.

import { UserError } from "../errors.ts";
import { ENV_NAME, type EnvFrom } from "../protocol/env.ts";
import { readEnvFile } from "./env-file.ts";

export interface EnvRequest {
  /** `--env NAME=VALUE`, and `--env NAME` with the value this shell has. */
  vars: Record<string, string>;
  /** `--env-file`: absolute paths, and each as the user named it. */
  files: { path: string; shown: string }[];
}

/** `--env` values to variables (pure): `NAME=VALUE`, or `NAME` alone for this shell's value of it. */
export function parseEnvFlags(
  values: string[],
  shell: Record<string, string | undefined>,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of values) {
    const eq = raw.indexOf("=");
    const name = eq === -1 ? raw : raw.slice(0, eq);
    if (!ENV_NAME.test(name)) {
      throw new UserError(`--env ${JSON.stringify(raw)}: ${JSON.stringify(name)} is not a variable name`, 1, [
        "write --env NAME=VALUE (NAME: letters, digits and _, not first a digit), or --env NAME for this shell's value",
      ]);
    }
    if (eq !== -1) {
      vars[name] = raw.slice(eq + 1);
      continue;
    }
    const value = shell[name];
    if (value === undefined) {
      throw new UserError(`--env ${name}: ${name} is not set in this shell`, 1, [
        `give its value: --env ${name}=VALUE, or put it in a file for --env-file`,
      ]);
    }
    vars[name] = value;
  }
  return vars;
}

/** The overrides: every file's variables in order, then `--env`'s. A file that cannot be read or parsed is a UserError. */
export function loadEnvOverrides(req: EnvRequest): Record<string, string> {
  const fromFiles = req.files.map((f) => readEnvFile(f.path, f.shown));
  return Object.assign({}, ...fromFiles, req.vars);
}

/** Where the overrides come from, as the daemon keeps it for the `start` printed after an end. */
export function envFromOf(req: EnvRequest): EnvFrom {
  return { files: req.files.map((f) => f.path), flags: Object.keys(req.vars) };
}
