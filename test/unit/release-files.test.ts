// The release's file writers on small inputs: archives that other tools read back, checksum files,
// formula, manifest and install scripts. (test/release.test.ts runs the real build.)

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { formatSums, parseSums, sha256 } from "../../scripts/release/checksums.ts";
import { formula, formulaClass } from "../../scripts/release/homebrew.ts";
import { installPs1, installSh } from "../../scripts/release/installers.ts";
import { scoopManifest } from "../../scripts/release/scoop.ts";
import { tar, tarGz } from "../../scripts/release/tar.ts";
import {
  archiveName,
  checkRepo,
  checkVersion,
  DESCRIPTION,
  findTargets,
  releaseBaseUrl,
  TARGETS,
} from "../../scripts/release/targets.ts";
import { crc32, dosDateTime, zip } from "../../scripts/release/zip.ts";
import { readZip } from "../helpers/zip.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-release-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MTIME = 1_767_225_600; // 2026-01-01T00:00:00Z
const payload = new Uint8Array(200_003).map((_, i) => (i * 7919) % 251);

function run(argv: string[], cwd = dir) {
  const r = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("tar.gz", () => {
  test("ustar blocks: header, data padded to 512, two zero blocks", () => {
    const bytes = tar([{ name: "lk", data: new Uint8Array([1, 2, 3]), mode: 0o755 }], MTIME);
    expect(bytes.length).toBe(512 + 512 + 1024);
    const header = new TextDecoder().decode(bytes.slice(0, 512));
    expect(header.slice(0, 2)).toBe("lk");
    expect(header.slice(100, 107)).toBe("0000755");
    expect(header.slice(124, 135)).toBe("00000000003");
    expect(header.slice(257, 262)).toBe("ustar");
    // The checksum counts the header with its own field as spaces.
    const copy = bytes.slice(0, 512);
    copy.fill(32, 148, 156);
    const sum = copy.reduce((n, b) => n + b, 0);
    expect(Number.parseInt(header.slice(148, 154), 8)).toBe(sum);
  });

  test.skipIf(process.platform === "win32")(
    "the system's tar unpacks it: same bytes, executable, stamped mtime (not on Windows: no Unix file modes)",
    () => {
      const path = join(dir, "t.tar.gz");
      writeFileSync(path, tarGz([{ name: "lk", data: payload, mode: 0o755 }], MTIME));
      const out = join(dir, "t");
      run(["mkdir", "-p", out]);
      expect(run(["tar", "-xzf", path, "-C", out]).code).toBe(0);
      const file = join(out, "lk");
      expect(new Uint8Array(readFileSync(file))).toEqual(payload);
      expect(statSync(file).mode & 0o777).toBe(0o755);
      expect(Math.floor(statSync(file).mtimeMs / 1000)).toBe(MTIME);
    },
  );

  test("gzip wraps the tar", () => {
    const entries = [{ name: "lk", data: payload, mode: 0o755 }];
    expect(Buffer.compare(gunzipSync(tarGz(entries, MTIME)), tar(entries, MTIME))).toBe(0);
  });

  test("names over 100 bytes are refused, not truncated", () => {
    expect(() => tar([{ name: "x".repeat(101), data: payload, mode: 0o644 }], MTIME)).toThrow("too long");
  });
});

describe("zip", () => {
  test("CRC-32 is the IEEE one zip uses", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  test("DOS timestamps", () => {
    expect(dosDateTime(new Date(Date.UTC(2026, 0, 1, 13, 45, 58)))).toEqual({
      time: (13 << 11) | (45 << 5) | 29,
      date: (46 << 9) | (1 << 5) | 1,
    });
  });

  test("structure: one local header, a central directory entry, the end record", () => {
    const bytes = zip([{ name: "lk.exe", data: payload }], MTIME);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(0x04034b50);
    const end = bytes.length - 22;
    expect(view.getUint32(end, true)).toBe(0x06054b50);
    expect(view.getUint16(end + 10, true)).toBe(1);
    const central = view.getUint32(end + 16, true);
    expect(view.getUint32(central, true)).toBe(0x02014b50);
    expect(view.getUint32(central + 16, true)).toBe(crc32(payload));
    expect(view.getUint32(central + 24, true)).toBe(payload.length);
  });

  test("another reader (Python's zipfile) reads it back byte for byte", () => {
    const path = join(dir, "t.zip");
    writeFileSync(
      path,
      zip(
        [
          { name: "lk.exe", data: payload },
          { name: "docs/readme.txt", data: new TextEncoder().encode("hi\n") },
        ],
        MTIME,
      ),
    );
    const out = join(dir, "z");
    expect(readZip(path, out)).toEqual(["lk.exe", "docs/readme.txt"]);
    expect(new Uint8Array(readFileSync(join(out, "lk.exe")))).toEqual(payload);
    expect(readFileSync(join(out, "docs", "readme.txt"), "utf8")).toBe("hi\n");
  });
});

describe("SHA256SUMS", () => {
  test("sorted, two spaces, read back the same; sha256sum's binary-mode marker is accepted", () => {
    const text = formatSums([
      { name: "b.zip", sha256: sha256(new Uint8Array([2])) },
      { name: "a.tar.gz", sha256: sha256(new Uint8Array([1])) },
    ]);
    expect(text.split("\n")[0]).toEndWith("  a.tar.gz");
    expect(parseSums(text).map((s) => s.name)).toEqual(["a.tar.gz", "b.zip"]);
    expect(parseSums(`${"a".repeat(64)} *x.zip\n`)).toEqual([{ name: "x.zip", sha256: "a".repeat(64) }]);
    expect(() => parseSums("nope  x.zip\n")).toThrow("bad SHA256SUMS line");
  });

  // coreutils' sha256sum (Linux, Git for Windows), or perl's shasum (macOS ships only that).
  const check = Bun.which("sha256sum")
    ? ["sha256sum", "-c"]
    : Bun.which("shasum")
      ? ["shasum", "-a", "256", "-c"]
      : [];
  const checker = check.length ? check.join(" ") : "sha256sum -c (skipped: no sha256sum or shasum here)";
  test.skipIf(check.length === 0)(`${checker} accepts it`, () => {
    writeFileSync(join(dir, "f.bin"), payload);
    writeFileSync(join(dir, "SHA256SUMS"), formatSums([{ name: "f.bin", sha256: sha256(payload) }]));
    expect(run([...check, "SHA256SUMS"]).code).toBe(0);
  });
});

describe("names and inputs", () => {
  test("five targets, archive names carry version and platform", () => {
    expect(TARGETS.map((t) => t.id)).toEqual([
      "linux-x64",
      "linux-arm64",
      "darwin-x64",
      "darwin-arm64",
      "windows-x64",
    ]);
    const [linux, windows] = findTargets(["linux-arm64", "windows-x64"]);
    expect(linux && archiveName("1.2.3", linux)).toBe("lk-agent-session-1.2.3-linux-arm64.tar.gz");
    expect(windows && archiveName("1.2.3", windows)).toBe("lk-agent-session-1.2.3-windows-x64.zip");
    expect(windows?.bunTarget).toBe("bun-windows-x64");
    expect(() => findTargets(["freebsd-x64"])).toThrow("unknown target");
  });

  test("versions and repositories are checked before they reach Ruby, JSON and shell text", () => {
    expect(checkVersion("v1.2.3")).toBe("1.2.3");
    expect(checkVersion("1.2.3-rc.1")).toBe("1.2.3-rc.1");
    for (const bad of ["1.2", "1.2.3; rm -rf /", '1.2.3"', "latest"])
      expect(() => checkVersion(bad)).toThrow();
    expect(checkRepo("livekit/lk-agent-session")).toBe("livekit/lk-agent-session");
    for (const bad of ["livekit", "a/b/c", "a/b c", "../x"]) expect(() => checkRepo(bad)).toThrow();
  });

  test("the description fits Homebrew's rules", () => {
    expect(DESCRIPTION.length).toBeLessThan(80);
    expect(DESCRIPTION).not.toMatch(/^(A|An|The) |\.$/);
  });
});

describe("formula and manifest", () => {
  const base = releaseBaseUrl("acme/tool", "2.0.0");
  const assets = TARGETS.filter((t) => t.os !== "windows").map((t, i) => ({
    target: t,
    url: `${base}/${archiveName("2.0.0", t)}`,
    sha256: String(i).repeat(64),
  }));

  test("formula: class name, one url+sha256 per OS and CPU, bin.install lk", () => {
    expect(formulaClass("lk-agent-session")).toBe("LkAgentSession");
    const rb = formula({ version: "2.0.0", repo: "acme/tool", description: DESCRIPTION, assets });
    expect(rb).toContain('homepage "https://github.com/acme/tool"');
    expect(rb).toContain(`url "${base}/lk-agent-session-2.0.0-darwin-arm64.tar.gz"`);
    expect(rb.match(/^\s+url /gm)).toHaveLength(4);
    expect(rb.match(/^\s+sha256 /gm)).toHaveLength(4);
    expect(rb).not.toContain("license");
    expect(
      formula({ version: "2.0.0", repo: "acme/tool", description: "x", license: "MIT", assets }),
    ).toContain('license "MIT"');
    expect(() =>
      formula({ version: "2.0.0", repo: "acme/tool", description: "x", assets: assets.slice(1) }),
    ).toThrow("needs a");
  });

  test("scoop: the zip and its hash, autoupdate from the release's SHA256SUMS", () => {
    const url = `${base}/lk-agent-session-2.0.0-windows-x64.zip`;
    const manifest = scoopManifest({
      version: "2.0.0",
      repo: "acme/tool",
      description: "d",
      url,
      sha256: "f".repeat(64),
    });
    expect(manifest).toMatchObject({
      version: "2.0.0",
      bin: "lk.exe",
      architecture: { "64bit": { url, hash: "f".repeat(64) } },
      checkver: { github: "https://github.com/acme/tool" },
      autoupdate: {
        architecture: {
          "64bit": {
            url: "https://github.com/acme/tool/releases/download/v$version/lk-agent-session-$version-windows-x64.zip",
          },
        },
        hash: { url: "$baseurl/SHA256SUMS" },
      },
    });
  });

  test("install scripts take the release's version and repository as defaults", () => {
    const sh = installSh("2.0.0", "acme/tool");
    expect(sh).toContain('DEFAULT_VERSION="2.0.0"\n');
    expect(sh).toContain('DEFAULT_REPO="acme/tool"\n');
    expect(sh.startsWith("#!/bin/sh\n")).toBe(true);
    const ps1 = installPs1("2.0.0", "acme/tool");
    expect(ps1).toContain("$DefaultVersion = '2.0.0'\r\n");
    expect(ps1).toContain("$DefaultRepo = 'acme/tool'\r\n");
    // Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page: ASCII only.
    expect([...ps1].every((c) => c === "\t" || c === "\r" || c === "\n" || (c >= " " && c <= "~"))).toBe(
      true,
    );
  });
});
