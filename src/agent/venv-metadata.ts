// Which livekit-agents a virtual environment has, read from its installed metadata instead of by
// running its interpreter (~50 ms of every Python `start`). Only for an interpreter that is a venv's
// own (`<venv>/bin/python`, `<venv>\Scripts\python.exe` with a pyvenv.cfg beside): anything else,
// or a venv whose metadata is not where it should be, is asked by running it.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The version a venv's `livekit_agents-*.dist-info/METADATA` gives; undefined when it cannot say. */
export function venvAgentsVersion(python: string[]): string | undefined {
  if (python.length !== 1) return undefined;
  const exe = python[0] as string;
  const bin = dirname(exe);
  if (!/^python(3(\.\d+)?)?(\.exe)?$/i.test(basename(exe)) || !/^(bin|Scripts)$/.test(basename(bin)))
    return undefined;
  const venv = dirname(bin);
  if (!existsSync(join(venv, "pyvenv.cfg"))) return undefined;
  const found = sitePackages(venv).flatMap((site) =>
    entries(site)
      .filter((name) => /^livekit_agents-[^-]+\.dist-info$/i.test(name))
      .map((name) => join(site, name, "METADATA")),
  );
  // Two installs side by side (a broken upgrade): the interpreter knows which one it imports.
  if (found.length !== 1) return undefined;
  try {
    return /^Version:\s*(\S+)\s*$/m.exec(readFileSync(found[0] as string, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/** POSIX venvs: lib/pythonX.Y/site-packages (one per version a venv was made with); Windows: Lib/site-packages. */
function sitePackages(venv: string): string[] {
  const windows = join(venv, "Lib", "site-packages");
  if (existsSync(windows)) return [windows];
  return entries(join(venv, "lib"))
    .filter((name) => /^python3\.\d+$/.test(name))
    .map((name) => join(venv, "lib", name, "site-packages"));
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
