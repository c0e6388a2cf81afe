// The state folder holds the session's token and decides what `restart` runs: lk trusts only a
// folder that is the user's alone, never follows a link planted in it, and never runs a command
// line read back from it.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";

let box: Sandbox;
/** State folders other than the sandbox's that a test used: a session found there is ended too. */
const otherDirs: string[] = [];
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  for (const dir of otherDirs.splice(0)) {
    chmodSync(dir, 0o700);
    await box.session(["end"], { env: { LK_SESSION_STATE_DIR: dir } });
  }
  await box.cleanup();
});
afterAll(cleanupAll);

const SECRET = "my private notes\n";

/** A 0600 file of the user's, outside any state folder: what an intruder's link points at. */
function privateFile(): string {
  const path = join(tempDir("lk-private-"), "notes.txt");
  writeFileSync(path, SECRET, { mode: 0o600 });
  return path;
}

function startIn(dir: string, json = false): Promise<RunResult> {
  otherDirs.push(dir);
  return box.startFake({ LK_SESSION_STATE_DIR: dir }, json ? ["--json"] : []);
}

describe.skipIf(process.platform === "win32" || process.getuid?.() !== 0)(
  "a state folder another user can write to (needs root: the folder is chowned to another uid)",
  () => {
    test("owned by another user, 0777, with a planted link: refused before anything is written", async () => {
      const target = privateFile();
      const dir = tempDir("lk-foreign-");
      symlinkSync(target, join(dir, `session-${box.port}.agent.log`));
      chownSync(dir, 65534, 65534);
      chmodSync(dir, 0o777);

      const start = await startIn(dir);
      expect(start.code).toBe(1);
      expect(start.stderr).toStartWith(
        `the state folder ${dir} belongs to another user (uid 65534); lk will not use it`,
      );
      expect(start.stderr).toContain("LK_SESSION_STATE_DIR");
      expect(readFileSync(target, "utf8")).toBe(SECRET);
      expect(readdirSync(dir)).toEqual([`session-${box.port}.agent.log`]);
      // Left as it was: not chmodded to 0700 behind its owner's back.
      expect(statSync(dir).mode & 0o777).toBe(0o777);
      expect(await portIsFree(box.port)).toBe(true);
    });
  },
);

describe.skipIf(process.platform === "win32")("the folder's own rights", () => {
  test("a folder of the user's that group or others can write: refused, under --json as one result line", async () => {
    const dir = tempDir("lk-shared-");
    chmodSync(dir, 0o777);
    const start = await startIn(dir, true);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe("");
    const lines = start.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0] as string);
    expect(result).toMatchObject({ kind: "result", ok: false, exitCode: 1 });
    expect(result.error).toBe(
      `the state folder ${dir} can be written by other users (mode 0777); lk will not use it`,
    );
    expect(result.detail.join("\n")).toContain(`chmod 700 ${dir}`);
    expect(readdirSync(dir)).toEqual([]);
    // Every command refuses it, not only start.
    const say = await box.session(["say", "hi"], { env: { LK_SESSION_STATE_DIR: dir } });
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("can be written by other users");
  });

  test("a folder lk creates is the user's alone (0700)", async () => {
    const dir = join(tempDir("lk-parent-"), "state", "sessions");
    expect((await startIn(dir)).code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe.skipIf(process.platform === "win32")("links in the state folder are never followed", () => {
  for (const name of ["agent.log", "daemon.log", "json"]) {
    test(`session-PORT.${name} planted as a link to a private file: start fails clearly, the file is untouched`, async () => {
      const target = privateFile();
      const link = join(box.stateDir, `session-${box.port}.${name}`);
      symlinkSync(target, link);
      const start = await box.startFake();
      expect(start.code).toBe(1);
      expect(start.stderr).toContain(`${link} is a symbolic link`);
      expect(start.stderr).toContain("remove it");
      expect(readFileSync(target, "utf8")).toBe(SECRET);
      expect(await portIsFree(box.port)).toBe(true);
      expect(readdirSync(box.stateDir).filter((f) => f !== `session-${box.port}.${name}`)).toEqual([]);
    });
  }
});

describe("restart", () => {
  test("runs the agent found again from the recorded entrypoint, never a command line stored in the record", async () => {
    expect((await box.startFake()).code).toBe(0);
    const marker = join(tempDir("lk-marker-"), "ran");
    const record = join(box.stateDir, `session-${box.port}.json`);
    const state = JSON.parse(readFileSync(record, "utf8"));
    const injected = ["/bin/sh", "-c", `touch ${marker}; exit 1`];
    state.agent.argv = injected;
    if (state.launch?.plan) state.launch.plan.argv = injected;
    writeFileSync(record, JSON.stringify(state), { mode: 0o600 });

    const restart = await box.session(["restart"]);
    expect(existsSync(marker)).toBe(false);
    expect(restart.code).toBe(0);
    expect(restart.stdout).toContain("Session restarted.");
    const again = JSON.parse(readFileSync(record, "utf8"));
    expect(again.agent.argv).not.toContain("/bin/sh");
    expect((await box.session(["say", "still me"])).stdout).toContain("● Agent\n    still me");
  });
});
