// Which agent project is this, where is its root, and which file starts it?

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { UserError } from "../errors.ts";

export type ProjectKind = "python" | "node";
export type PythonFlavor = "uv" | "pip";

export interface AgentProject {
  kind: ProjectKind;
  /** uv projects run through `uv run`; pip-style ones through a venv or the system python. */
  pythonFlavor?: PythonFlavor;
  root: string;
  /** The entrypoint, relative to root (the agent is started with root as its working folder). */
  entry: string;
  /** What marked the root, for messages. */
  marker: string;
}

const PYTHON_EXTENSIONS = new Set([".py"]);
const NODE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"]);

export const DEFAULT_ENTRYPOINTS: Record<ProjectKind, string[]> = {
  python: ["agent.py", "src/agent.py", "main.py"],
  node: [
    "main.ts",
    "src/main.ts",
    "src/main.js",
    "agent.ts",
    "agent.js",
    "agent.mjs",
    "src/agent.ts",
    "src/agent.js",
  ],
};

interface RootMatch {
  root: string;
  kind: ProjectKind;
  pythonFlavor?: PythonFlavor;
  marker: string;
}

/** The first folder, walking up from `start`, holding a project marker (package.json wins, then Python locks). */
export function findProjectRoot(start: string, only?: ProjectKind): RootMatch | undefined {
  let dir = resolve(start);
  for (;;) {
    const match = matchFolder(dir, only);
    if (match) return match;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function matchFolder(dir: string, only?: ProjectKind): RootMatch | undefined {
  const has = (name: string) => existsSync(join(dir, name));
  if (only !== "python" && has("package.json")) return { root: dir, kind: "node", marker: "package.json" };
  if (only === "node") return undefined;
  if (has("uv.lock")) return { root: dir, kind: "python", pythonFlavor: "uv", marker: "uv.lock" };
  for (const lock of ["poetry.lock", "Pipfile.lock", "requirements.txt"]) {
    if (has(lock)) return { root: dir, kind: "python", pythonFlavor: "pip", marker: lock };
  }
  if (has("pyproject.toml")) {
    const flavor: PythonFlavor = configuresUv(join(dir, "pyproject.toml")) ? "uv" : "pip";
    return { root: dir, kind: "python", pythonFlavor: flavor, marker: "pyproject.toml" };
  }
  return undefined;
}

/** Does this pyproject.toml have a `tool.uv` table? One that cannot be read or parsed is pip-style. */
function configuresUv(path: string): boolean {
  try {
    const doc = Bun.TOML.parse(readFileSync(path, "utf8")) as { tool?: { uv?: unknown } };
    const uv = doc.tool?.uv;
    return typeof uv === "object" && uv !== null;
  } catch {
    return false;
  }
}

/**
 * Resolves the project for `start [entrypoint]`, run from `cwd`; hints name `startCommand`, the
 * start the user can paste (with its --port).
 */
export function detectProject(
  entryArg: string | undefined,
  cwd: string,
  startCommand = "lk agent session start",
): AgentProject {
  if (entryArg !== undefined && entryArg !== "") return fromExplicitEntry(entryArg, cwd, startCommand);

  const match = findProjectRoot(cwd);
  if (!match) throw noProjectError(cwd, startCommand);
  // Default names are tried at the root and, when cwd is below it, relative to cwd too.
  const bases = cwd !== match.root && cwd.startsWith(match.root) ? [cwd, match.root] : [match.root];
  const tried: string[] = [];
  for (const base of bases) {
    for (const name of DEFAULT_ENTRYPOINTS[match.kind]) {
      const candidate = join(base, name);
      tried.push(candidate);
      if (isFile(candidate)) return { ...match, entry: relative(match.root, candidate) };
    }
  }
  throw new UserError(
    `no ${match.kind === "python" ? "Python" : "Node.js"} agent entrypoint found in ${match.root} (found ${match.marker})`,
    1,
    [
      "looked for:",
      ...tried.map((p) => `  ${p}`),
      `pass the entrypoint explicitly: ${startCommand} path/to/agent${match.kind === "python" ? ".py" : ".ts"}`,
    ],
  );
}

function fromExplicitEntry(entryArg: string, cwd: string, startCommand: string): AgentProject {
  const abs = isAbsolute(entryArg) ? entryArg : resolve(cwd, entryArg);
  if (!existsSync(abs))
    throw new UserError(`entrypoint file not found: ${entryArg}`, 1, [`(looked at ${abs})`]);
  if (!isFile(abs))
    throw new UserError(`entrypoint is not a file: ${entryArg}`, 1, ["pass the agent's main file"]);
  // The file's own language decides which markers count: a .py entry beside a tooling package.json is Python.
  const ext = extname(abs).toLowerCase();
  const only: ProjectKind | undefined = PYTHON_EXTENSIONS.has(ext)
    ? "python"
    : NODE_EXTENSIONS.has(ext)
      ? "node"
      : undefined;
  const match = findProjectRoot(dirname(abs), only);
  if (match) return { ...match, entry: relative(match.root, abs) };
  if (only) {
    // A lone script without project files still runs, from its own folder.
    const root = dirname(abs);
    return {
      kind: only,
      pythonFlavor: only === "python" ? "pip" : undefined,
      root,
      entry: relative(root, abs),
      marker: "none",
    };
  }
  throw noProjectError(dirname(abs), startCommand);
}

function noProjectError(from: string, startCommand: string): UserError {
  return new UserError(`no agent project found in ${from} or any parent folder`, 1, [
    "looked for package.json (Node.js), uv.lock, poetry.lock, Pipfile.lock, requirements.txt or pyproject.toml (Python)",
    `run from your agent's folder, or pass its entrypoint: ${startCommand} path/to/agent.py`,
  ]);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
