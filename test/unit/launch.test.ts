import { describe, expect, test } from "bun:test";
import { win32 } from "node:path";
import type { AgentProject } from "../../src/agent/detect.ts";
import { atLeast, type Host, planLaunch, pythonCommand } from "../../src/agent/launch.ts";

function host(over: Partial<Host> & { onPath?: Record<string, string>; files?: string[] } = {}): Host {
  const files = new Set(over.files ?? []);
  return {
    platform: "linux",
    env: {},
    which: (name) => over.onPath?.[name],
    exists: (p) => files.has(p),
    selfAsBun: ["/opt/lk"],
    nodeVersion: () => "20.20.2",
    ...over,
  };
}

const py = (over: Partial<AgentProject> = {}): AgentProject => ({
  kind: "python",
  pythonFlavor: "pip",
  root: "/proj",
  entry: "agent.py",
  marker: "requirements.txt",
  ...over,
});
const node = (entry = "agent.mjs"): AgentProject => ({
  kind: "node",
  root: "/proj",
  entry,
  marker: "package.json",
});
const ADDR = "127.0.0.1:8775";

describe("Python", () => {
  test("uv project with uv on PATH: uv run --no-sync python -m livekit.agents console", () => {
    const plan = planLaunch(
      { project: py({ pythonFlavor: "uv" }), connectAddr: ADDR, runtimeArgs: [] },
      host({ onPath: { uv: "/bin/uv" } }),
    );
    expect(plan.argv).toEqual([
      "/bin/uv",
      "run",
      "--no-sync",
      "python",
      "-m",
      "livekit.agents",
      "console",
      "agent.py",
      "--connect-addr",
      ADDR,
    ]);
    expect(plan.cwd).toBe("/proj");
    expect(plan.label).toBe("Python");
  });

  test("runtime args go to the interpreter, before -m", () => {
    const plan = planLaunch(
      { project: py(), connectAddr: ADDR, runtimeArgs: ["-X", "dev"] },
      host({ files: ["/proj/.venv/bin/python"] }),
    );
    expect(plan.argv).toEqual([
      "/proj/.venv/bin/python",
      "-X",
      "dev",
      "-m",
      "livekit.agents",
      "console",
      "agent.py",
      "--connect-addr",
      ADDR,
    ]);
  });

  test("what of start's shell chose the interpreter: $VIRTUAL_ENV, or a PATH folder every shell lacks", () => {
    const plan = (project: AgentProject, h: Host) =>
      planLaunch({ project, connectAddr: ADDR, runtimeArgs: [] }, h).fromShell;
    const files = ["/env/bin/python", "/proj/.venv/bin/python"];
    expect(plan(py(), host({ env: { VIRTUAL_ENV: "/env" }, files }))).toEqual({ VIRTUAL_ENV: "/env" });
    expect(plan(py(), host({ files }))).toBeUndefined();
    expect(plan(py(), host({ onPath: { python3: "/home/me/.pyenv/shims/python3" } }))).toEqual({
      pathDir: "/home/me/.pyenv/shims",
    });
    expect(plan(py(), host({ onPath: { python3: "/usr/bin/python3" } }))).toBeUndefined();
    expect(plan(py({ pythonFlavor: "uv" }), host({ onPath: { uv: "/home/me/.local/bin/uv" } }))).toEqual({
      pathDir: "/home/me/.local/bin",
    });
    expect(plan(node(), host({ onPath: { node: "/opt/node/bin/node" } }))).toEqual({
      pathDir: "/opt/node/bin",
    });
    expect(plan(node(), host())).toBeUndefined();
  });

  test("interpreter order: $VIRTUAL_ENV, then .venv/venv up the tree, then python3, then python", () => {
    const files = ["/env/bin/python", "/proj/venv/bin/python", "/.venv/bin/python"];
    expect(pythonCommand(py(), host({ env: { VIRTUAL_ENV: "/env" }, files }))).toEqual(["/env/bin/python"]);
    expect(pythonCommand(py(), host({ files }))).toEqual(["/proj/venv/bin/python"]);
    expect(pythonCommand(py(), host({ files: ["/.venv/bin/python"] }))).toEqual(["/.venv/bin/python"]);
    expect(
      pythonCommand(py(), host({ onPath: { python3: "/usr/bin/python3", python: "/usr/bin/python" } })),
    ).toEqual(["/usr/bin/python3"]);
    expect(pythonCommand(py(), host({ onPath: { python: "/usr/bin/python" } }))).toEqual(["/usr/bin/python"]);
  });

  test("a uv project without uv falls back to the venv", () => {
    expect(pythonCommand(py({ pythonFlavor: "uv" }), host({ files: ["/proj/.venv/bin/python"] }))).toEqual([
      "/proj/.venv/bin/python",
    ]);
  });

  test("no interpreter at all is a clear error", () => {
    expect(() => pythonCommand(py(), host())).toThrow("no Python interpreter found");
  });

  test("Windows venvs keep python.exe in Scripts", () => {
    const exe = win32.join("/proj", ".venv", "Scripts", "python.exe");
    expect(pythonCommand(py(), host({ platform: "win32", files: [exe] }))).toEqual([exe]);
  });

  test("--runtime is for Node agents only", () => {
    expect(() =>
      planLaunch({ project: py(), connectAddr: ADDR, runtimeArgs: [], runtime: "bun" }, host()),
    ).toThrow("--runtime bun applies to Node.js agents");
  });
});

describe("Node.js", () => {
  test("node <runtime args> <entry> console --connect-addr", () => {
    const plan = planLaunch(
      { project: node(), connectAddr: ADDR, runtimeArgs: ["--env-file=.env"] },
      host({ onPath: { node: "/usr/bin/node" } }),
    );
    expect(plan.argv).toEqual([
      "/usr/bin/node",
      "--env-file=.env",
      "agent.mjs",
      "console",
      "--connect-addr",
      ADDR,
    ]);
    expect(plan.runtime).toBe("node");
  });

  test("TypeScript on Node ≥ 22.6 gets --experimental-strip-types", () => {
    const plan = planLaunch(
      { project: node("src/main.ts"), connectAddr: ADDR, runtimeArgs: [] },
      host({ onPath: { node: "/n" }, nodeVersion: () => "22.6.0" }),
    );
    expect(plan.argv).toEqual([
      "/n",
      "--experimental-strip-types",
      "src/main.ts",
      "console",
      "--connect-addr",
      ADDR,
    ]);
  });

  test("TypeScript on older Node is refused with the way out", () => {
    expect(() =>
      planLaunch(
        { project: node("main.ts"), connectAddr: ADDR, runtimeArgs: [] },
        host({ onPath: { node: "/n" } }),
      ),
    ).toThrow("TypeScript entrypoints need Node.js 22.6 or newer (found 20.20.2)");
  });

  test("without node on PATH, or with --runtime bun, the binary itself runs the agent as bun", () => {
    for (const [opts, h] of [
      [{}, host()],
      [{ runtime: "bun" as const }, host({ onPath: { node: "/n" } })],
    ] as const) {
      const plan = planLaunch(
        { project: node("main.ts"), connectAddr: ADDR, runtimeArgs: ["--smol"], ...opts },
        h,
      );
      expect(plan.runtime).toBe("bun");
      expect(plan.argv).toEqual(["/opt/lk", "--smol", "main.ts", "console", "--connect-addr", ADDR]);
      expect(plan.env).toEqual({ BUN_BE_BUN: "1" });
    }
  });

  test("--runtime node without node is an error", () => {
    expect(() =>
      planLaunch({ project: node(), connectAddr: ADDR, runtimeArgs: [], runtime: "node" }, host()),
    ).toThrow("node is not on PATH");
  });
});

test("version comparison", () => {
  // Semver (the Node side; Python's PEP 440 order is in versions.test.ts).
  expect(atLeast("1.4.7", "1.4.7")).toBe(true);
  expect(atLeast("1.4.6", "1.4.7")).toBe(false);
  expect(atLeast("1.10.0", "1.9.9")).toBe(true);
  expect(atLeast("v22.6.0", "22.6.0")).toBe(true);
  expect(atLeast("1.4.7-rc.1", "1.4.7")).toBe(false);
});
