// Which scenarios `test` runs: files named on the command line (a replay `.txt` too), folders
// searched for `*.lktest.yaml` / `*.lktest.yml`, or by default the project's `tests/` folder (else
// its root). Every file is read and checked here, before any agent starts.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { findProjectRoot } from "../agent/detect.ts";
import { UserError } from "../errors.ts";
import { parseReplay } from "./replay-file.ts";
import { DEFAULT_TURN_TIMEOUT_MS, parseScenario, type Scenario, scenarioName } from "./scenario.ts";

const SCENARIO_FILE = /\.lktest\.ya?ml$/i;
/** Folders a search never enters: dependencies, environments, build output. */
const SKIPPED = new Set(["node_modules", "__pycache__", "dist", "build"]);

/** Absolute paths, sorted within each folder searched, in the order given; duplicates dropped. */
export function findScenarioFiles(paths: string[], cwd: string): string[] {
  const roots = paths.length ? paths.map((p) => resolve(cwd, p)) : [defaultFolder(cwd)];
  const found: string[] = [];
  for (const [i, root] of roots.entries()) {
    let isDir: boolean;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new UserError(`no such file or folder: ${paths[i] ?? root}`, 1, [`(looked at ${root})`]);
    }
    if (!isDir) found.push(root);
    else {
      const inFolder = searchFolder(root);
      if (inFolder.length === 0 && paths.length)
        throw new UserError(`no scenarios in ${paths[i]}: found no *.lktest.yaml or *.lktest.yml files`);
      found.push(...inFolder);
    }
  }
  if (found.length === 0) {
    throw new UserError(`no scenarios found in ${roots[0]}`, 1, [
      "looked for *.lktest.yaml and *.lktest.yml files (in the project's tests/ folder, else its root)",
      "name the files or folders to run: lk agent session test tests/ talk.txt",
    ]);
  }
  return [...new Set(found)];
}

/** The project's `tests/` folder when it has one, else its root (the current folder outside any project). */
function defaultFolder(cwd: string): string {
  const root = findProjectRoot(cwd)?.root ?? cwd;
  const tests = join(root, "tests");
  try {
    if (statSync(tests).isDirectory()) return tests;
  } catch {}
  return root;
}

function searchFolder(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && !SKIPPED.has(entry.name)) out.push(...searchFolder(path));
    } else if (SCENARIO_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** A scenario file (YAML), or a plain replay file (any other name) as a scenario; `file` names it in messages. */
export function loadScenario(path: string, file: string): Scenario {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (/\.ya?ml$/i.test(path)) return parseScenario(content, file);
  const { greeting, turns } = parseReplay(content, file);
  return {
    file,
    name: scenarioName(file),
    agentLine: 1,
    args: [],
    env: {},
    timeoutMs: DEFAULT_TURN_TIMEOUT_MS,
    ...(greeting ? { greeting } : {}),
    turns,
  };
}

/** Relative to the current folder when inside it, with `/` on every platform. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  const shown = rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
  return shown.split(sep).join("/");
}
