// Python specifics with the real livekit-agents: crash markers, SDK checks, and a uv project.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, Sandbox, tempDir } from "../helpers/lk.ts";
import { ECHO_GREETING, PYTHON_AGENT, requireInstalled, requireUv } from "../helpers/real-agents.ts";
import { watch } from "../helpers/watch.ts";

const SLOW = 180_000;
const tmp = () => tempDir("lk-py-");
afterAll(cleanupAll);
/** "3.11": the folder name under the venv's lib/. */
const pythonVersion = () =>
  Bun.spawnSync(["python3", "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"])
    .stdout.toString()
    .trim();

function run(argv: string[], cwd: string, env: Record<string, string> = {}): { code: number; out: string } {
  const r = Bun.spawnSync(argv, {
    cwd,
    env: { ...process.env, UV_PYTHON_DOWNLOADS: "never", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

describe("a failing tool of a Python agent", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));
  test(
    "✗ shows what the tool really raised (from tool_execution_updated), not only the generic output",
    async () => {
      const box = await Sandbox.create();
      try {
        expect(
          (
            await box.session(["start", "agent.py"], {
              cwd: PYTHON_AGENT.dir,
              env: { ECHO_AGENT_NO_GREETING: "1" },
            })
          ).code,
        ).toBe(0);
        const say = await box.session(["say", "this will fail"]);
        expect(say.stdout).toContain("✗ An internal error occurred (inventory service unavailable)");
        // The feed tells it the same way, and (--logs) what the agent logged of it.
        const feed = watch(box, ["events", "--last", "50", "--logs"]);
        expect(
          await feed.until("✗ check_inventory: An internal error occurred (inventory service unavailable)"),
        ).toBe(true);
        const run = await feed.interrupt();
        expect(run.code).toBe(0);
        expect(run.stdout).toContain("log stdout: ");
        expect(run.stdout).toContain("inventory service unavailable");
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});

describe("failing Python agents end start at once", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));
  test(
    'an error in the entry ("job crashed", the process stays alive) fails start without waiting for the timeout',
    async () => {
      const box = await Sandbox.create();
      const start = await box.session(["start", "agent.py"], {
        cwd: PYTHON_AGENT.dir,
        env: { ECHO_AGENT_CRASH: "entry" },
      });
      expect(start.code).toBe(1);
      // Ended by the crash marker, not by the connect timeout.
      expect(start.stderr).not.toContain("did not connect");
      expect(start.stderr).toContain("job crashed");
      expect(start.stderr).toContain("crash in entry requested");
      expect(await portIsFree(box.port)).toBe(true);
      const left = Bun.spawnSync(["pgrep", "-f", `connect-addr 127.0.0.1:${box.port}`])
        .stdout.toString()
        .trim();
      expect(left).toBe("");
    },
    SLOW,
  );

  test(
    "an error at import (traceback on stderr, exit 1) fails start at once",
    async () => {
      const box = await Sandbox.create();
      const start = await box.session(["start", "agent.py"], {
        cwd: PYTHON_AGENT.dir,
        env: { ECHO_AGENT_CRASH: "import" },
      });
      expect(start.code).toBe(1);
      expect(start.stderr).toContain("the agent exited with code 1 before connecting");
      expect(start.stderr).toContain("RuntimeError: echo agent: crash at import requested");
    },
    SLOW,
  );
});

describe("Python SDK checks", () => {
  let uv = "";
  beforeAll(() => {
    uv = requireUv();
  });
  const project = tmp();

  test("a venv without livekit-agents: says which interpreter lacks it", async () => {
    writeFileSync(join(project, "requirements.txt"), "");
    writeFileSync(join(project, "agent.py"), "print('never run')\n");
    expect(run([uv, "venv", "--quiet", "--python", "python3", ".venv"], project).code).toBe(0);
    const box = await Sandbox.create();
    const start = await box.session(["start"], { cwd: project });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      `livekit-agents is not installed for ${join(project, ".venv", "bin", "python")}`,
    );
    expect(await portIsFree(box.port)).toBe(true);
  });

  test("a too-old livekit-agents is refused with how to upgrade", async () => {
    const site = join(
      project,
      ".venv",
      "lib",
      `python${pythonVersion()}`,
      "site-packages",
      "livekit_agents-1.5.2.dist-info",
    );
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, "METADATA"), "Metadata-Version: 2.1\nName: livekit-agents\nVersion: 1.5.2\n");
    const box = await Sandbox.create();
    const start = await box.session(["start"], { cwd: project });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("livekit-agents 1.5.2 is too old: text sessions need 1.6.0 or newer");
    expect(start.stderr).toContain("pip install -U livekit-agents");
  });
});

describe("a uv project", () => {
  let uv = "";
  beforeAll(() => {
    requireInstalled(PYTHON_AGENT);
    uv = requireUv();
  });
  const project = tmp();
  writeFileSync(
    join(project, "pyproject.toml"),
    [
      "[project]",
      'name = "uv-echo-agent"',
      'version = "0.1.0"',
      'requires-python = ">=3.11"',
      'dependencies = ["livekit-agents==1.8.9"]',
      "",
      "[tool.uv]",
      "package = false",
      "",
    ].join("\n"),
  );
  copyFileSync(join(PYTHON_AGENT.dir, "agent.py"), join(project, "agent.py"));
  // uv sync and uv run (lk's too) keep a lock file per environment in the temp dir, and never remove
  // it: this project's go to a temp dir of its own, removed with it.
  const uvEnv = { TMPDIR: tmp() };

  test(
    "not synced yet: start says to run uv sync, and installs nothing",
    async () => {
      const box = await Sandbox.create();
      const start = await box.session(["start"], { cwd: project, env: uvEnv });
      expect(start.code).toBe(1);
      expect(start.stderr).toContain("livekit-agents is not installed in this uv project");
      expect(start.stderr).toContain("uv sync");
    },
    SLOW,
  );

  test(
    "uv lock + uv sync, then `uv run --no-sync python -m livekit.agents console` for real",
    async () => {
      const lock = run([uv, "lock", "--python", "python3"], project, uvEnv);
      expect(lock.code, lock.out).toBe(0);
      const sync = run([uv, "sync", "--python", "python3", "--compile-bytecode"], project, uvEnv);
      expect(sync.code, sync.out).toBe(0);
      const box = await Sandbox.create();
      try {
        const start = await box.session(["start"], { cwd: project, env: uvEnv });
        expect(start.code, start.output).toBe(0);
        expect(start.stdout).toContain(`Detected Python agent (agent.py in ${project})`);
        const state = JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));
        expect(state.agent.argv.slice(1, 4)).toEqual(["run", "--no-sync", "python"]);
        const say = await box.session(["say", "what's the weather in Lisbon?"]);
        expect(start.stdout + say.stdout).toContain(ECHO_GREETING);
        expect(say.stdout).toContain("The weather in Lisbon is sunny");
      } finally {
        await box.cleanup();
      }
      expect(await portIsFree(box.port)).toBe(true);
    },
    SLOW,
  );
});
