// The agent's environment flags, `start`'s and `restart`'s alone (kept out of _shared.ts, which every
// command loads: a `say` does not parse dotenv files).

import { resolve } from "node:path";
import { type EnvRequest, parseEnvFlags } from "../agent/env-overrides.ts";
import type { CommandEnv } from "../cli/command.ts";

/** The agent's environment overrides: `start` and `restart` alike. */
export const envArgs = {
  env: {
    type: "string",
    repeatable: true,
    description:
      "Set a variable for the agent (repeatable; wins over --env-file). NAME alone takes this shell's value of NAME",
    valueHint: "NAME=VALUE",
  },
  "env-file": {
    type: "string",
    repeatable: true,
    description:
      "Variables for the agent from a dotenv file: NAME=VALUE or export NAME=VALUE lines, # comments, 'quoted' or \"quoted\" values, no $VAR expansion (repeatable; later files win)",
    valueHint: "FILE",
  },
} as const;

/** --env and --env-file as a request (pure: the files are read by the run). */
export function parseEnvArgs(args: { env: string[]; "env-file": string[] }, env: CommandEnv): EnvRequest {
  return {
    vars: parseEnvFlags(args.env, env.vars),
    files: args["env-file"].map((file) => ({ path: resolve(env.cwd, file), shown: file })),
  };
}
