// Runs the compiled binary exactly as a user would, with a private state folder and port.

import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isAlive } from "../../src/agent/pids.ts";
import { portIsOpen } from "../../src/control/client.ts";
import { type RunResult, runProcess } from "./process.ts";

export type { RunResult };

export const REPO = resolve(import.meta.dir, "../..");
/** The binary under test: `dist/lk` from `bun run build`, or a prebuilt one (LK_BIN). */
export const LK = process.env.LK_BIN ?? join(REPO, "dist", process.platform === "win32" ? "lk.exe" : "lk");
export const FAKE_AGENT_DIR = join(REPO, "test", "fixtures", "fake-agent");

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => ok(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Folders made by tempDir() and sandboxes not yet cleaned up: cleanupAll() removes them. */
const tempDirs = new Set<string>();
const sandboxes = new Set<Sandbox>();

/** A new folder in the temp directory (its real path); the test file removes it with cleanupAll(). */
export function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  tempDirs.add(dir);
  return dir;
}

/**
 * Ends every session of every sandbox not cleaned up yet and removes every tempDir(): for afterAll
 * in files whose tests make sandboxes or folders of their own. A suite leaves the temp dir as it found it.
 */
export async function cleanupAll(): Promise<void> {
  for (const box of [...sandboxes]) await box.cleanup();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** A session sandbox: its own state folder and port, and helpers bound to them. */
export class Sandbox {
  readonly stateDir = realpathSync(mkdtempSync(join(tmpdir(), "lk-test-")));
  constructor(readonly port: number) {
    sandboxes.add(this);
  }

  static async create(): Promise<Sandbox> {
    return new Sandbox(await freePort());
  }

  env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      ...process.env,
      LK_SESSION_STATE_DIR: this.stateDir,
      NO_COLOR: "1",
      FORCE_COLOR: undefined,
      ...extra,
    };
  }

  async lk(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return runProcess([LK, ...args], { cwd: opts.cwd ?? REPO, env: this.env(opts.env), stdin: opts.stdin });
  }

  /** `lk agent session <args> --port N`. */
  session(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.lk(["agent", "session", ...args, "--port", String(this.port)], opts);
  }

  /** Starts the protocol-level fake agent; `env` configures it (FAKE_*). */
  startFake(env: Record<string, string> = {}, extraArgs: string[] = []): Promise<RunResult> {
    return this.session(["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check", ...extraArgs], {
      cwd: FAKE_AGENT_DIR,
      env,
    });
  }

  /** Ends the session if one runs, then removes the state folder (for afterEach; again is a no-op). */
  async cleanup(): Promise<void> {
    if (!existsSync(this.stateDir)) return;
    const daemons = this.recordedSessions().map((s) => s.daemonPid);
    await this.session(["end"]);
    // A test that failed half-way may have started a session on another port: end those too.
    for (const { port } of this.recordedSessions()) {
      if (port !== this.port) await this.lk(["agent", "session", "end", "--port", String(port)]);
    }
    // A daemon frees its port before it removes its files: let it finish before the folder goes.
    for (const pid of daemons) {
      for (let i = 0; i < 500 && isAlive(pid); i++) await Bun.sleep(10);
    }
    rmSync(this.stateDir, { recursive: true, force: true });
    sandboxes.delete(this);
  }

  /** The sessions whose state files are in this sandbox's folder. */
  private recordedSessions(): { port: number; daemonPid: number | undefined }[] {
    const found: { port: number; daemonPid: number | undefined }[] = [];
    for (const name of readdirSync(this.stateDir)) {
      const port = /^session-(\d+)\.json$/.exec(name)?.[1];
      if (!port) continue;
      let daemonPid: number | undefined;
      try {
        daemonPid = JSON.parse(readFileSync(join(this.stateDir, name), "utf8")).daemonPid;
      } catch {}
      found.push({ port: Number(port), daemonPid });
    }
    return found;
  }
}

export async function portIsFree(port: number): Promise<boolean> {
  return !(await portIsOpen(port));
}

/** Alive and not a zombie (the daemon's reaper may be slow in containers). */
export const processAlive = isAlive;

export function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
