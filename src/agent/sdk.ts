// Is the agent's LiveKit SDK new enough to speak the session protocol (console --connect-addr)?

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import type { AgentProject } from "./detect.ts";
import { atLeast } from "./launch.ts";
import { pep440AtLeast } from "./pep440.ts";
import { venvAgentsVersion } from "./venv-metadata.ts";

/** livekit-agents (Python), compared as PEP 440: 1.6.0rc1 is below it. */
export const MIN_PYTHON_AGENTS = "1.6.0";
/** @livekit/agents (Node), compared as semver: 1.4.7-rc.1 is below it. */
export const MIN_NODE_AGENTS = "1.4.7";
const SKIP_HINT = "(not a LiveKit agent on purpose? add --skip-sdk-check)";

/** Does this @livekit/agents version speak the session protocol? */
export function nodeSdkSupported(version: string): boolean {
  return atLeast(version, MIN_NODE_AGENTS);
}

/** Does this livekit-agents version speak the session protocol? */
export function pythonSdkSupported(version: string): boolean {
  return pep440AtLeast(version, MIN_PYTHON_AGENTS);
}

/** Finds @livekit/agents the way Node would: node_modules folders from the entrypoint's folder upward. */
export function nodeAgentsVersion(entryDir: string): { version: string; path: string } | undefined {
  for (let dir = entryDir; ; dir = dirname(dir)) {
    const manifest = join(dir, "node_modules", "@livekit", "agents", "package.json");
    if (existsSync(manifest)) {
      try {
        const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
        if (version) return { version, path: manifest };
      } catch {}
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function checkNodeSdk(project: AgentProject): void {
  const entryDir = dirname(join(project.root, project.entry));
  const found = nodeAgentsVersion(entryDir);
  if (!found) {
    throw new UserError(
      `@livekit/agents is not installed for this agent (looked in node_modules from ${entryDir} upward)`,
      1,
      [`install the project's dependencies: cd ${project.root} && npm install`, SKIP_HINT],
    );
  }
  if (!nodeSdkSupported(found.version)) {
    throw new UserError(
      `@livekit/agents ${found.version} is too old: text sessions need ${MIN_NODE_AGENTS} or newer (console --connect-addr)`,
      1,
      [`found at ${found.path}`, "upgrade it: npm install @livekit/agents@latest"],
    );
  }
}

const VERSION_PROBE = "import importlib.metadata as m; print(m.version('livekit-agents'))";

export function checkPythonSdk(project: AgentProject, python: string[]): void {
  const interpreter = python.join(" ");
  // A venv's own metadata says it without running Python (~50 ms of every start).
  refuseOldPython(venvAgentsVersion(python) ?? probedVersion(project, python, interpreter), interpreter);
}

/** The version the interpreter itself reports; a UserError when it cannot run or lacks livekit-agents. */
function probedVersion(project: AgentProject, python: string[], interpreter: string): string {
  let probe: ReturnType<typeof Bun.spawnSync<"pipe", "pipe">>;
  try {
    probe = Bun.spawnSync([...python, "-c", VERSION_PROBE], {
      cwd: project.root,
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (error) {
    // Not even started (not executable, gone): the agent could not start either, check or not.
    throw new UserError(`could not run the agent's Python interpreter (${interpreter})`, 1, [
      (error as Error).message,
      "check that it is a working Python (or point VIRTUAL_ENV at one)",
    ]);
  }
  if (probe.exitCode === 0) return probe.stdout.toString().trim();
  const notInstalled = /PackageNotFoundError|No package metadata/.test(probe.stderr.toString());
  if (!notInstalled) {
    const why = probe.stderr.toString().trim().split("\n").slice(-3);
    throw new UserError(`could not run the agent's Python interpreter (${interpreter})`, 1, [
      ...why,
      SKIP_HINT,
    ]);
  }
  if (project.pythonFlavor === "uv") {
    throw new UserError("livekit-agents is not installed in this uv project", 1, [
      `install the project's dependencies first: cd ${project.root} && uv sync`,
    ]);
  }
  throw new UserError(`livekit-agents is not installed for ${interpreter}`, 1, [
    "install it into the project's virtual environment (e.g. .venv/bin/pip install livekit-agents),",
    "or activate the environment that has it before running start",
    SKIP_HINT,
  ]);
}

function refuseOldPython(version: string, interpreter: string): void {
  if (!pythonSdkSupported(version)) {
    throw new UserError(
      `livekit-agents ${version} is too old: text sessions need ${MIN_PYTHON_AGENTS} or newer (console --connect-addr)`,
      1,
      [
        `interpreter: ${interpreter}`,
        "upgrade it: pip install -U livekit-agents (or uv add livekit-agents@latest)",
      ],
    );
  }
}
