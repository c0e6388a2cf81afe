// The release build, end to end: `bun run build.ts` for every target, then every checksum, the
// Homebrew formula and scoop manifest against the archives, the install script, and this machine's
// binary, taken out of its archive, through a start → say → end smoke test and the e2e seed test.
//
// Takes about a minute (five compiles, four of them cross-compiles whose Bun runtimes are fetched
// once into Bun's cache). LK_RELEASE_DIR=dist/release checks an existing build instead of making
// one (the release workflow does this).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { parseSums, sha256File } from "../scripts/release/checksums.ts";
import type { ReleaseResult } from "../scripts/release/release.ts";
import { archiveName, hostTarget, releaseBaseUrl, TARGETS } from "../scripts/release/targets.ts";
import { FAKE_AGENT_DIR, freePort, REPO } from "./helpers/lk.ts";
import { runProcess } from "./helpers/process.ts";
import { readZip } from "./helpers/zip.ts";

const prebuilt = process.env.LK_RELEASE_DIR;
const VERSION = process.env.LK_VERSION?.replace(/^v/, "") || pkg.version;
const REPO_NAME = process.env.LK_RELEASE_REPO || "livekit/lk-agent-session";

let work = "";
let out = "";
let build: ReleaseResult;
let sums: Map<string, string>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "lk-release-test-"));
  if (prebuilt) {
    out = resolve(REPO, prebuilt);
  } else {
    out = join(work, "release");
    const { stdout, stderr, code } = await run([process.execPath, "run", "build.ts", "--out", out], {
      env: { LK_VERSION: VERSION, LK_RELEASE_REPO: REPO_NAME },
    });
    if (code !== 0) throw new Error(`release build failed (${code}):\n${stdout}\n${stderr}`);
    console.log(stdout.trimEnd());
  }
  build = JSON.parse(readFileSync(join(out, "build.json"), "utf8")) as ReleaseResult;
  sums = new Map(parseSums(readFileSync(join(out, "SHA256SUMS"), "utf8")).map((s) => [s.name, s.sha256]));
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(argv: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  return runProcess(argv, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env } });
}

describe("release build", () => {
  test("five archives, one per target, named for the version", () => {
    expect(build.version).toBe(VERSION);
    expect(build.targets.map((t) => t.target.id).sort()).toEqual(TARGETS.map((t) => t.id).sort());
    for (const t of TARGETS) expect(existsSync(join(out, archiveName(VERSION, t)))).toBe(true);
  });

  test("SHA256SUMS lists exactly the archives, and every sum matches its file", async () => {
    expect([...sums.keys()].sort()).toEqual(TARGETS.map((t) => archiveName(VERSION, t)).sort());
    for (const [name, sum] of sums) expect(await sha256File(join(out, name))).toBe(sum);
  });

  test("the Homebrew formula names exactly the four macOS and Linux archives, with their sums", () => {
    const rb = readFileSync(join(out, "lk-agent-session.rb"), "utf8");
    const pairs = [...rb.matchAll(/url "([^"]+)"\s+sha256 "([0-9a-f]{64})"/g)].map((m) => [m[1], m[2]]);
    const base = releaseBaseUrl(REPO_NAME, VERSION);
    const expected = TARGETS.filter((t) => t.os !== "windows").map((t) => {
      const name = archiveName(VERSION, t);
      return [`${base}/${name}`, sums.get(name)];
    });
    expect(pairs.sort()).toEqual(expected.sort());
    expect(rb).toContain(`version "${VERSION}"`);
    expect(rb).toMatch(/^class LkAgentSession < Formula$/m);
    expect(rb).toContain('bin.install "lk"');
    // Each URL sits in the block for its OS and CPU.
    for (const [os, arch] of [
      ["macos", "arm"],
      ["macos", "intel"],
      ["linux", "arm"],
      ["linux", "intel"],
    ] as const) {
      const osBlock = rb.slice(rb.indexOf(`on_${os} do`));
      const cpuStart = osBlock.slice(osBlock.indexOf(`on_${arch} do`));
      const cpuBlock = cpuStart.slice(0, cpuStart.indexOf("\n    end"));
      const id = `${os === "macos" ? "darwin" : "linux"}-${arch === "arm" ? "arm64" : "x64"}`;
      expect(cpuBlock).toContain(`-${id}.tar.gz"`);
    }
  });

  test("the scoop manifest names exactly the Windows zip, with its sum", () => {
    const manifest = JSON.parse(readFileSync(join(out, "lk-agent-session.json"), "utf8"));
    const windows = TARGETS.find((t) => t.os === "windows");
    if (!windows) throw new Error("no windows target");
    const name = archiveName(VERSION, windows);
    expect(manifest.version).toBe(VERSION);
    expect(manifest.architecture).toEqual({
      "64bit": { url: `${releaseBaseUrl(REPO_NAME, VERSION)}/${name}`, hash: sums.get(name) },
    });
    expect(manifest.bin).toBe("lk.exe");
    expect(manifest.autoupdate.architecture["64bit"].url.replaceAll("$version", VERSION)).toBe(
      manifest.architecture["64bit"].url,
    );
  });

  test("archives hold the bare executable: lk (mode 755) in each tar.gz, lk.exe in the zip", async () => {
    for (const t of TARGETS) {
      const path = join(out, archiveName(VERSION, t));
      if (t.archive === "tar.gz") {
        if (process.platform === "win32") continue; // Windows' tar shows no Unix modes
        const listing = await run(["tar", "-tvzf", path]);
        expect(listing.code).toBe(0);
        const lines = listing.stdout.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^-rwxr-xr-x .* lk$/);
      } else {
        expect(readZip(path)).toEqual(["lk.exe"]);
      }
    }
  });

  const host = hostTarget();
  const hostName = host ? host.id : `none: ${process.platform}-${process.arch} is not a release target`;
  describe.skipIf(!host)(`this machine's binary (${hostName}) from its archive`, () => {
    let lk = "";
    beforeAll(async () => {
      if (!host) throw new Error("unreachable: this block is skipped without a host target");
      const dir = join(work, "extracted");
      mkdirSync(dir, { recursive: true });
      const archive = join(out, archiveName(VERSION, host));
      // GNU tar reads no zip; Windows' own tar (bsdtar) reads both.
      const unpack =
        host.archive === "zip" && process.platform !== "win32"
          ? ["unzip", "-q", archive, "-d", dir]
          : ["tar", "-xf", archive, "-C", dir];
      const result = await run(unpack);
      if (result.code !== 0) throw new Error(`could not unpack ${archive}: ${result.output}`);
      lk = join(dir, host.exe);
    });

    test("--version prints the release version", async () => {
      const result = await run([lk, "--version"]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(VERSION);
    });

    test("start → say → end with the fake agent", async () => {
      const port = String(await freePort());
      const env = { LK_SESSION_STATE_DIR: mkdtempSync(join(work, "state-")), NO_COLOR: "1" };
      const session = (args: string[]) =>
        run([lk, "agent", "session", ...args, "--port", port], { cwd: FAKE_AGENT_DIR, env });
      try {
        const start = await session(["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check"]);
        expect(start.output).toContain("Session started.");
        expect(start.code).toBe(0);
        const say = await session(["say", "Repeat this token back to me exactly: KUMQUAT4411"]);
        expect(say.code).toBe(0);
        expect(say.stdout).toContain("KUMQUAT4411");
        expect(say.stdout).toContain("● Agent");
        const end = await session(["end"]);
        expect(end.code).toBe(0);
        expect(end.stdout).toContain("Session ended.");
      } finally {
        await session(["end"]);
      }
    });

    test("the e2e seed test passes against it (LK_BIN)", async () => {
      // The suite's own timeout: with bun's default (5 s) a loaded machine times the seed test out, and
      // what it still does after that lands between tests as an unhandled error.
      const seed = ["test", "--timeout", "120000", "test/e2e/lifecycle.test.ts", "-t", "seed"];
      const result = await run([process.execPath, ...seed], { env: { LK_BIN: lk } });
      if (result.code !== 0) console.error(result.output);
      expect(result.code).toBe(0);
      expect(result.output).toMatch(/\b[1-9]\d* pass\b/);
      expect(result.output).toMatch(/\b0 fail\b/);
    });
  });

  describe.skipIf(process.platform === "win32" || !host)(
    `install.sh (POSIX sh: not on Windows, which has install.ps1; this machine: ${hostName})`,
    () => {
      const installer = () => join(out, "install.sh");

      test("installs lk after checking its archive against SHA256SUMS", async () => {
        const home = mkdtempSync(join(work, "home-"));
        const bin = join(home, "bin with space");
        const result = await run(["sh", installer()], {
          env: { HOME: home, LK_DOWNLOAD_BASE: out, LK_INSTALL_DIR: bin, LK_VERSION: undefined },
        });
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`Installed lk ${VERSION} to ${bin}/lk`);
        expect((await run([join(bin, "lk"), "--version"])).stdout.trim()).toBe(VERSION);
      });

      test("refuses an archive whose checksum does not match, installing nothing", async () => {
        if (!host) throw new Error("unreachable: this block is skipped without a host target");
        const home = mkdtempSync(join(work, "home-"));
        const mirror = join(home, "mirror");
        mkdirSync(mirror);
        const name = archiveName(VERSION, host);
        cpSync(join(out, name), join(mirror, name));
        const bad = readFileSync(join(out, "SHA256SUMS"), "utf8").replace(
          sums.get(name) as string,
          "0".repeat(64),
        );
        writeFileSync(join(mirror, "SHA256SUMS"), bad);
        const bin = join(home, "bin");
        const result = await run(["sh", installer()], {
          env: { HOME: home, LK_DOWNLOAD_BASE: mirror, LK_INSTALL_DIR: bin },
        });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`checksum mismatch for ${name}`);
        expect(existsSync(join(bin, "lk"))).toBe(false);
      });

      test("a release without this platform's archive is a clear error", async () => {
        const home = mkdtempSync(join(work, "home-"));
        const mirror = join(home, "mirror");
        mkdirSync(mirror);
        writeFileSync(join(mirror, "SHA256SUMS"), "");
        const result = await run(["sh", installer()], { env: { HOME: home, LK_DOWNLOAD_BASE: mirror } });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("the release has no archive for");
      });
    },
  );

  test("install scripts default to this release and repository", () => {
    const sh = readFileSync(join(out, "install.sh"), "utf8");
    expect(sh).toContain(`DEFAULT_VERSION="${VERSION}"`);
    expect(sh).toContain(`DEFAULT_REPO="${REPO_NAME}"`);
    const ps1 = readFileSync(join(out, "install.ps1"), "utf8");
    expect(ps1).toContain(`$DefaultVersion = '${VERSION}'`);
    expect(ps1).toContain(`$DefaultRepo = '${REPO_NAME}'`);
    expect(ps1).not.toMatch(/[^\r]\n/);
  });
});
