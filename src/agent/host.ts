// The real machine, as the launch planner sees it.

import { existsSync } from "node:fs";
import { selfAsBun } from "../self.ts";
import type { Host } from "./launch.ts";

export function realHost(): Host {
  return {
    platform: process.platform,
    env: process.env,
    which: (name) => Bun.which(name) ?? undefined,
    exists: existsSync,
    selfAsBun: selfAsBun(),
    nodeVersion: () => {
      const node = Bun.which("node");
      if (!node) return undefined;
      const out = Bun.spawnSync([node, "--version"], { stdout: "pipe", stderr: "ignore" });
      return out.exitCode === 0 ? out.stdout.toString().trim().replace(/^v/, "") : undefined;
    },
  };
}
