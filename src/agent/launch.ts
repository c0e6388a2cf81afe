// The agent's command line, per runtime. Pure decisions: the host (platform, PATH
// look-ups, file checks) is passed in so every branch is testable on any OS.

import { posix, win32 } from "node:path";
import { UserError } from "../errors.ts";
import type { LaunchPlan, ShellChoice } from "../protocol/launch-plan.ts";
import type { AgentProject } from "./detect.ts";

export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** Absolute path of a program on PATH, or undefined. */
  which(name: string): string | undefined;
  exists(path: string): boolean;
  /** The command line that runs this binary as the `bun` CLI (with BUN_BE_BUN=1 in the child's env). */
  selfAsBun: string[];
  /** `node --version` without the v, when node is present. */
  nodeVersion(): string | undefined;
}

export interface LaunchOptions {
  project: AgentProject;
  connectAddr: string;
  runtimeArgs: string[];
  /** Forces a runtime for a Node project ("bun" runs it inside this binary). */
  runtime?: "node" | "bun";
  /** The start the user can paste (with its --port), for hints. */
  startCommand?: string;
}

const TS_EXTENSIONS = /\.(ts|mts|cts|tsx)$/i;

export function planLaunch(opts: LaunchOptions, host: Host): LaunchPlan {
  const { project, connectAddr, runtimeArgs } = opts;
  if (project.kind === "python") {
    if (opts.runtime)
      throw new UserError(`--runtime ${opts.runtime} applies to Node.js agents; this is a Python agent`);
    const choice = pythonChoice(project, host);
    const python = choice.argv;
    return {
      runtime: "python",
      label: "Python",
      cwd: project.root,
      argv: [
        ...python,
        ...runtimeArgs,
        "-m",
        "livekit.agents",
        "console",
        project.entry,
        "--connect-addr",
        connectAddr,
      ],
      env: {},
      ...shellChoice(choice, host),
    };
  }

  const agentArgs = [project.entry, "console", "--connect-addr", connectAddr];
  const node = opts.runtime === "bun" ? undefined : host.which("node");
  if (opts.runtime === "node" && !node) {
    throw new UserError("node is not on PATH", 1, [
      "install Node.js, or drop --runtime node to use the built-in Bun runtime",
    ]);
  }
  if (!node) {
    return {
      runtime: "bun",
      label: "Node.js",
      cwd: project.root,
      argv: [...host.selfAsBun, ...runtimeArgs, ...agentArgs],
      env: { BUN_BE_BUN: "1" },
    };
  }
  const flags: string[] = [];
  if (TS_EXTENSIONS.test(project.entry)) {
    const version = host.nodeVersion() ?? "0.0.0";
    if (!atLeast(version, "22.6.0")) {
      throw new UserError(`TypeScript entrypoints need Node.js 22.6 or newer (found ${version})`, 1, [
        `upgrade Node.js, or run it with the built-in Bun runtime: ${opts.startCommand ?? "lk agent session start"} --runtime bun`,
      ]);
    }
    // From 23.6 types are stripped by default; the flag is harmless there.
    flags.push("--experimental-strip-types");
  }
  return {
    runtime: "node",
    label: "Node.js",
    cwd: project.root,
    argv: [node, ...flags, ...runtimeArgs, ...agentArgs],
    env: {},
    ...shellChoice({ argv: [node], from: "path" }, host),
  };
}

/** How the interpreter was found: what a fresh shell needs of start's to find the same one. */
interface InterpreterChoice {
  argv: string[];
  from: "path" | "virtual-env" | "project-venv";
}

/** Folders every shell's PATH has: an interpreter found there needs no PATH of start's. */
const SYSTEM_DIRS = new Set(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);

function shellChoice(choice: InterpreterChoice, host: Host): { fromShell?: ShellChoice } {
  const { dirname } = host.platform === "win32" ? win32 : posix;
  if (choice.from === "virtual-env" && host.env.VIRTUAL_ENV)
    return { fromShell: { VIRTUAL_ENV: host.env.VIRTUAL_ENV } };
  const exe = choice.argv[0];
  if (choice.from === "path" && exe && !SYSTEM_DIRS.has(dirname(exe)))
    return { fromShell: { pathDir: dirname(exe) } };
  return {};
}

/** How to run the project's python: uv for uv projects, else a venv, else the system's. */
export function pythonCommand(project: AgentProject, host: Host): string[] {
  return pythonChoice(project, host).argv;
}

function pythonChoice(project: AgentProject, host: Host): InterpreterChoice {
  const onPath = (...argv: string[]): InterpreterChoice => ({ argv, from: "path" });
  if (project.pythonFlavor === "uv") {
    const uv = host.which("uv");
    // --no-sync: starting a session must never install anything as a side effect.
    if (uv) return onPath(uv, "run", "--no-sync", "python");
  }
  const windows = host.platform === "win32";
  // The host's path rules, not this process's: the same decisions are unit-tested on any OS.
  const { dirname, join } = windows ? win32 : posix;
  const fromVenv = (venv: string) => {
    const exe = windows ? join(venv, "Scripts", "python.exe") : join(venv, "bin", "python");
    return host.exists(exe) ? exe : undefined;
  };
  const active = host.env.VIRTUAL_ENV ? fromVenv(host.env.VIRTUAL_ENV) : undefined;
  if (active) return { argv: [active], from: "virtual-env" };
  for (let dir = project.root; ; dir = dirname(dir)) {
    for (const name of [".venv", "venv"]) {
      const exe = fromVenv(join(dir, name));
      if (exe) return { argv: [exe], from: "project-venv" };
    }
    if (dirname(dir) === dir) break;
  }
  if (windows) {
    // python.org installs have python.exe and the py launcher but no python3.exe, so `python3`
    // is usually the Microsoft Store stub (WindowsApps\python3.exe) that only says to install Python.
    const python = host.which("python");
    if (python) return onPath(python);
    const launcher = host.which("py");
    if (launcher) return onPath(launcher, "-3");
  }
  const system = host.which("python3") ?? host.which("python");
  if (system) return onPath(system);
  throw new UserError("no Python interpreter found for this agent", 1, [
    `looked for $VIRTUAL_ENV, .venv or venv in ${project.root} and its parents, then ${windows ? "python, py and python3" : "python3 and python"} on PATH`,
    "create a virtual environment in the project (python3 -m venv .venv) and install livekit-agents into it",
  ]);
}

/**
 * Is a Node-world version (semver: `node --version`, an npm package's) at or above `min`?
 * Pre-releases come before their release (1.4.7-rc.1 < 1.4.7); a version that does not parse is not.
 */
export function atLeast(version: string, min: string): boolean {
  const full = version.trim().replace(/^v/, "");
  // Bun.semver.order ranks a partial version as a range ("1.4" above "1.4.7"): only whole versions count.
  if (!FULL_SEMVER.test(full)) return false;
  try {
    return Bun.semver.order(full, min) >= 0;
  } catch {
    return false;
  }
}

const FULL_SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
