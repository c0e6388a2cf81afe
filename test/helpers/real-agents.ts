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
 * For beforeAll: a real agent that is not installed fails its tests, never skips them. `npm test`
 * installs both (scripts/test.sh runs scripts/setup-fixtures.sh first).
 */
export function requireInstalled(agent: RealAgent): void {
  if (!agent.installed)
    throw new Error(
      `the ${agent.name} echo agent is not installed: run npm test, or bash scripts/setup-fixtures.sh first`,
    );
}

/** uv, which the uv-project tests and lk itself need on PATH (scripts/test.sh puts pip's uv there). */
export function requireUv(): string {
  const uv = Bun.which("uv");
  if (!uv) throw new Error("uv is not on PATH: run the tests with npm test (scripts/test.sh finds pip's uv)");
  return uv;
}

export const ECHO_GREETING = "Hello! I'm the echo agent. Ask me about the weather.";
export const BILLING_GREETING = "Hi, this is the billing agent. How can I help?";
