// The Windows decisions, checked on any OS: the planner follows the host's platform and path rules.

import { describe, expect, test } from "bun:test";
import type { AgentProject } from "../../src/agent/detect.ts";
import { type Host, planLaunch, pythonCommand } from "../../src/agent/launch.ts";
import { treeKillCommand } from "../../src/agent/process-tree.ts";
import { isCompiledBinary } from "../../src/self.ts";

const ROOT = "C:\\Users\\Ada Lovelace\\My Agents\\voice bot";
const ADDR = "127.0.0.1:8775";
const LK_EXE = "C:\\Users\\Ada Lovelace\\AppData\\Local\\Programs\\lk-agent-session\\lk.exe";

function winHost(over: Partial<Host> & { onPath?: Record<string, string>; files?: string[] } = {}): Host {
  const files = new Set(over.files ?? []);
  return {
    platform: "win32",
    env: {},
    which: (name) => over.onPath?.[name],
    exists: (p) => files.has(p),
    selfAsBun: [LK_EXE],
    nodeVersion: () => "22.12.0",
    ...over,
  };
}

const py = (over: Partial<AgentProject> = {}): AgentProject => ({
  kind: "python",
  pythonFlavor: "pip",
  root: ROOT,
  entry: "agent.py",
  marker: "requirements.txt",
  ...over,
});
const node = (entry: string): AgentProject => ({ kind: "node", root: ROOT, entry, marker: "package.json" });

describe("Python on Windows", () => {
  test("the project's .venv\\Scripts\\python.exe, in a folder with spaces, is one argv item", () => {
    const exe = `${ROOT}\\.venv\\Scripts\\python.exe`;
    const plan = planLaunch({ project: py(), connectAddr: ADDR, runtimeArgs: [] }, winHost({ files: [exe] }));
    expect(plan.argv).toEqual([exe, "-m", "livekit.agents", "console", "agent.py", "--connect-addr", ADDR]);
    expect(plan.cwd).toBe(ROOT);
    expect(plan.env).toEqual({});
  });

  test("never bin/python: a POSIX-style venv in the folder is not a Windows venv", () => {
    const host = winHost({
      files: [`${ROOT}\\.venv\\bin\\python`],
      onPath: { python: "C:\\Python312\\python.exe" },
    });
    expect(pythonCommand(py(), host)).toEqual(["C:\\Python312\\python.exe"]);
  });

  test("an activated venv (%VIRTUAL_ENV%) wins over the project's own", () => {
    const active = "D:\\envs\\agents";
    const host = winHost({
      env: { VIRTUAL_ENV: active },
      files: [`${active}\\Scripts\\python.exe`, `${ROOT}\\.venv\\Scripts\\python.exe`],
    });
    expect(pythonCommand(py(), host)).toEqual(["D:\\envs\\agents\\Scripts\\python.exe"]);
  });

  test("venvs are looked for up the tree with backslashes, up to the drive root", () => {
    const looked: string[] = [];
    const host = winHost({
      exists: (p) => {
        looked.push(p);
        return p === "C:\\Users\\venv\\Scripts\\python.exe";
      },
    });
    expect(pythonCommand(py(), host)).toEqual(["C:\\Users\\venv\\Scripts\\python.exe"]);
    expect(looked).toEqual([
      `${ROOT}\\.venv\\Scripts\\python.exe`,
      `${ROOT}\\venv\\Scripts\\python.exe`,
      "C:\\Users\\Ada Lovelace\\My Agents\\.venv\\Scripts\\python.exe",
      "C:\\Users\\Ada Lovelace\\My Agents\\venv\\Scripts\\python.exe",
      "C:\\Users\\Ada Lovelace\\.venv\\Scripts\\python.exe",
      "C:\\Users\\Ada Lovelace\\venv\\Scripts\\python.exe",
      "C:\\Users\\.venv\\Scripts\\python.exe",
      "C:\\Users\\venv\\Scripts\\python.exe",
    ]);
  });

  test("the walk up stops at the drive root, and at a UNC share's root", () => {
    const walk = (root: string) => {
      const looked: string[] = [];
      const exists = (p: string) => {
        looked.push(p);
        return false;
      };
      expect(pythonCommand(py({ root }), winHost({ exists, onPath: { python: "python.exe" } }))).toEqual([
        "python.exe",
      ]);
      return looked.map((p) => p.replace(/\\Scripts\\python\.exe$/, ""));
    };
    expect(walk("C:\\a")).toEqual(["C:\\a\\.venv", "C:\\a\\venv", "C:\\.venv", "C:\\venv"]);
    expect(walk("\\\\server\\share\\agents")).toEqual([
      "\\\\server\\share\\agents\\.venv",
      "\\\\server\\share\\agents\\venv",
      "\\\\server\\share\\.venv",
      "\\\\server\\share\\venv",
    ]);
  });

  test("without a venv: python before py -3 before python3 (python3.exe is usually the Store stub)", () => {
    const all = {
      python: "C:\\Python312\\python.exe",
      py: "C:\\Windows\\py.exe",
      python3: "C:\\Users\\Ada\\AppData\\Local\\Microsoft\\WindowsApps\\python3.exe",
    };
    expect(pythonCommand(py(), winHost({ onPath: all }))).toEqual(["C:\\Python312\\python.exe"]);
    expect(pythonCommand(py(), winHost({ onPath: { py: all.py, python3: all.python3 } }))).toEqual([
      "C:\\Windows\\py.exe",
      "-3",
    ]);
    expect(pythonCommand(py(), winHost({ onPath: { python3: all.python3 } }))).toEqual([all.python3]);
  });

  test("py -3 takes the runtime args after -3 and before -m", () => {
    const plan = planLaunch(
      { project: py(), connectAddr: ADDR, runtimeArgs: ["-X", "utf8"] },
      winHost({ onPath: { py: "C:\\Windows\\py.exe" } }),
    );
    expect(plan.argv.slice(0, 6)).toEqual([
      "C:\\Windows\\py.exe",
      "-3",
      "-X",
      "utf8",
      "-m",
      "livekit.agents",
    ]);
  });

  test("a uv project runs through uv.exe", () => {
    const uv = "C:\\Users\\Ada Lovelace\\.local\\bin\\uv.exe";
    expect(pythonCommand(py({ pythonFlavor: "uv" }), winHost({ onPath: { uv } }))).toEqual([
      uv,
      "run",
      "--no-sync",
      "python",
    ]);
  });

  test("nothing found names what was tried, in the Windows order", () => {
    expect(() => pythonCommand(py(), winHost())).toThrow("no Python interpreter found");
    try {
      pythonCommand(py(), winHost());
    } catch (error) {
      expect((error as { detail: string[] }).detail.join("\n")).toContain("python, py and python3 on PATH");
    }
  });
});

describe("Node.js on Windows", () => {
  test("node.exe with a backslash entry path", () => {
    const nodeExe = "C:\\Program Files\\nodejs\\node.exe";
    const plan = planLaunch(
      { project: node("src\\agent.js"), connectAddr: ADDR, runtimeArgs: [] },
      winHost({ onPath: { node: nodeExe } }),
    );
    expect(plan.argv).toEqual([nodeExe, "src\\agent.js", "console", "--connect-addr", ADDR]);
    expect(plan.runtime).toBe("node");
  });

  test("a .ts entry on Node 22.12 strips types", () => {
    const plan = planLaunch(
      { project: node("agent.ts"), connectAddr: ADDR, runtimeArgs: [] },
      winHost({ onPath: { node: "C:\\nodejs\\node.exe" } }),
    );
    expect(plan.argv).toEqual([
      "C:\\nodejs\\node.exe",
      "--experimental-strip-types",
      "agent.ts",
      "console",
      "--connect-addr",
      ADDR,
    ]);
  });

  test("without node, lk.exe itself runs the agent as bun (BUN_BE_BUN=1)", () => {
    const plan = planLaunch({ project: node("agent.ts"), connectAddr: ADDR, runtimeArgs: [] }, winHost());
    expect(plan.argv).toEqual([LK_EXE, "agent.ts", "console", "--connect-addr", ADDR]);
    expect(plan.env).toEqual({ BUN_BE_BUN: "1" });
    expect(plan.runtime).toBe("bun");
  });
});

describe("compiled-binary detection (the .exe re-executes itself without a script path)", () => {
  test("Bun's own flag decides when present", () => {
    expect(isCompiledBinary("C:\\src\\main.ts", true)).toBe(true);
    expect(isCompiledBinary("B:\\~BUN\\root\\lk.exe", false)).toBe(false);
  });

  test("without it, Bun.main inside the embedded filesystem, any slash and case", () => {
    for (const main of [
      "/$bunfs/root/lk",
      "B:\\~BUN\\root\\lk.exe",
      "B:/~BUN/root/lk.exe",
      "b:\\~bun\\root\\lk.exe",
    ]) {
      expect(isCompiledBinary(main, null)).toBe(true);
    }
    for (const main of [
      "C:\\Users\\Ada\\lk\\src\\main.ts",
      "/home/ada/lk/src/main.ts",
      "B:\\BUN\\root\\x.ts",
    ]) {
      expect(isCompiledBinary(main, null)).toBe(false);
    }
  });

  test("this test run is a source run", () => {
    expect(isCompiledBinary()).toBe(false);
  });
});

test("Windows tree kill: taskkill from System32 by full path, whole tree, forced", () => {
  expect(treeKillCommand(42, { SystemRoot: "D:\\WINNT" })).toEqual([
    "D:\\WINNT\\System32\\taskkill.exe",
    "/T",
    "/F",
    "/PID",
    "42",
  ]);
  expect(treeKillCommand(7, {})[0]).toBe("C:\\Windows\\System32\\taskkill.exe");
});
