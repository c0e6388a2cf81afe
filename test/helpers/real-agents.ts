// The bundled real echo agents and whether their dependencies are installed (scripts/setup-fixtures.sh).

import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./lk.ts";

export interface RealAgent {
  name: string;
  dir: string;
  entry: string;
  installed: boolean;
  label: string;
}

const fixtures = join(REPO, "test", "fixtures");
const pyDir = join(fixtures, "echo-agent-py");
const nodeDir = join(fixtures, "echo-agent-node");

export const PYTHON_AGENT: RealAgent = {
  name: "python",
  dir: pyDir,
  entry: "agent.py",
  installed: existsSync(
    join(pyDir, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python"),
  ),
  label: "Python",
};

export const NODE_AGENT: RealAgent = {
  name: "node",
  dir: nodeDir,
  entry: "agent.mjs",
  installed: existsSync(join(nodeDir, "node_modules", "@livekit", "agents", "package.json")),
  label: "Node.js",
};

/**
 * Tests of a real agent run when it is installed. Under CI a missing install is a failure, never
 * a silent skip: `.ci/run` installs both.
 */
export function requireInstalled(agent: RealAgent): boolean {
  if (agent.installed) return true;
  if (process.env.CI)
    throw new Error(`the ${agent.name} echo agent is not installed (run scripts/setup-fixtures.sh)`);
  console.warn(`skipping ${agent.name} echo agent tests: not installed (run scripts/setup-fixtures.sh)`);
  return false;
}

export const ECHO_GREETING = "Hello! I'm the echo agent. Ask me about the weather.";
export const BILLING_GREETING = "Hi, this is the billing agent. How can I help?";
