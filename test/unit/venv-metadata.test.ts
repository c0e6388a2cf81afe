// The livekit-agents version a venv has installed, read from its metadata without running Python.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPythonSdk } from "../../src/agent/sdk.ts";
import { venvAgentsVersion } from "../../src/agent/venv-metadata.ts";

const root = mkdtempSync(join(tmpdir(), "lk-unit-venv-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A venv's files as pip leaves them; its python is a plain file that could not run. */
function venv(name: string, dists: string[], { cfg = true, lib = "lib/python3.11/site-packages" } = {}) {
  const dir = join(root, name);
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(join(dir, "bin", "python"), "not an interpreter");
  if (cfg) writeFileSync(join(dir, "pyvenv.cfg"), "home = /usr/bin\n");
  for (const dist of dists) {
    const info = join(dir, lib, `livekit_agents-${dist}.dist-info`);
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, "METADATA"), `Metadata-Version: 2.1\nName: livekit-agents\nVersion: ${dist}\n`);
  }
  return join(dir, "bin", "python");
}

describe("livekit-agents in a venv, from its metadata", () => {
  test("the version its METADATA says", () => {
    expect(venvAgentsVersion([venv("a", ["1.8.9"])])).toBe("1.8.9");
    expect(venvAgentsVersion([venv("rc", ["1.6.0rc1"])])).toBe("1.6.0rc1");
  });

  test("undefined (run the interpreter instead) when it cannot be sure", () => {
    // Not installed there: the interpreter may still find it elsewhere (system site packages).
    expect(venvAgentsVersion([venv("none", [])])).toBeUndefined();
    // Two installs: which one is imported is the interpreter's to say.
    expect(venvAgentsVersion([venv("two", ["1.5.2", "1.8.9"])])).toBeUndefined();
    // Not a venv (no pyvenv.cfg), or not a venv's own interpreter.
    expect(venvAgentsVersion([venv("nocfg", ["1.8.9"], { cfg: false })])).toBeUndefined();
    expect(venvAgentsVersion(["/usr/bin/env", "python3"])).toBeUndefined();
    expect(venvAgentsVersion(["uv", "run", "--no-sync", "python"])).toBeUndefined();
    expect(venvAgentsVersion([join(root, "a", "bin", "node")])).toBeUndefined();
  });

  test("a Windows venv: Scripts\\python.exe beside Lib\\site-packages", () => {
    const dir = join(root, "win");
    mkdirSync(join(dir, "Scripts"), { recursive: true });
    writeFileSync(join(dir, "pyvenv.cfg"), "home = C:\\Python311\n");
    const info = join(dir, "Lib", "site-packages", "livekit_agents-1.7.0.dist-info");
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, "METADATA"), "Name: livekit-agents\nVersion: 1.7.0\n");
    expect(venvAgentsVersion([join(dir, "Scripts", "python.exe")])).toBe("1.7.0");
  });
});

describe("the SDK check of a venv's agent", () => {
  const project = { kind: "python" as const, root, entry: "agent.py", marker: "agent.py" };
  test("decided from the metadata: the venv's python (a file that cannot run) is never run", () => {
    expect(() => checkPythonSdk(project, [venv("old", ["1.5.2"])])).toThrow(
      "livekit-agents 1.5.2 is too old: text sessions need 1.6.0 or newer",
    );
    expect(() => checkPythonSdk(project, [venv("new", ["1.8.9"])])).not.toThrow();
  });
  test("without metadata it runs the interpreter, which here cannot run", () => {
    expect(() => checkPythonSdk(project, [venv("empty", [])])).toThrow(
      "could not run the agent's Python interpreter",
    );
  });
});
