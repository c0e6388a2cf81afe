// The real machine, as the launch planner sees it.

import { existsSync } from "node:fs";
import { selfAsBun } from "../self.ts";
import type { Host } from "./launch.ts";

/** `env`: the environment the agent will run in (its PATH finds the runtime, its VIRTUAL_ENV the venv). */
export function realHost(env: Record<string, string | undefined> = process.env): Host {
  const which = (name: string) =>
    Bun.which(name, env.PATH === undefined ? {} : { PATH: env.PATH }) ?? undefined;
  return {
    platform: process.platform,
    env,
    which,
    exists: existsSync,
    selfAsBun: selfAsBun(),
    nodeVersion: () => {
      const node = which("node");
      if (!node) return undefined;
      const out = Bun.spawnSync([node, "--version"], { stdout: "pipe", stderr: "ignore" });
      return out.exitCode === 0 ? out.stdout.toString().trim().replace(/^v/, "") : undefined;
    },
  };
}
