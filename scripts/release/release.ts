// A whole release into one folder: a binary per target, its archive, SHA256SUMS, the Homebrew
// formula, the scoop manifest and the install scripts.

import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatSums, sha256 } from "./checksums.ts";
import { compile } from "./compile.ts";
import { formula } from "./homebrew.ts";
import { installPs1, installSh } from "./installers.ts";
import { scoopManifest, scoopManifestName } from "./scoop.ts";
import { tarGz } from "./tar.ts";
import { archiveName, PRODUCT, releaseBaseUrl, type Target } from "./targets.ts";
import { zip } from "./zip.ts";

export interface ReleaseOptions {
  version: string;
  repo: string;
  description: string;
  license?: string;
  targets: readonly Target[];
  /** Output folder; emptied first. */
  outDir: string;
  bytecode: boolean;
  /** Seconds since the epoch, stamped on archive entries (SOURCE_DATE_EPOCH). */
  mtime: number;
  log?: (line: string) => void;
}

export interface BuiltTarget {
  target: Target;
  /** The bare binary, kept beside the release files (in bin/, not uploaded). */
  binary: string;
  binaryBytes: number;
  archive: string;
  archiveBytes: number;
  sha256: string;
  url: string;
  compileMs: number;
  archiveMs: number;
}

export interface ReleaseResult {
  version: string;
  repo: string;
  outDir: string;
  bytecode: boolean;
  targets: BuiltTarget[];
  /** File names in outDir that a GitHub release uploads. */
  assets: string[];
  formula?: string;
  scoop?: string;
}

export async function buildRelease(opts: ReleaseOptions): Promise<ReleaseResult> {
  const log = opts.log ?? (() => {});
  rmSync(opts.outDir, { recursive: true, force: true });
  mkdirSync(join(opts.outDir, "bin"), { recursive: true });
  const base = releaseBaseUrl(opts.repo, opts.version);

  const built: BuiltTarget[] = [];
  for (const target of opts.targets) {
    const binDir = join(opts.outDir, "bin", target.id);
    mkdirSync(binDir, { recursive: true });
    const binary = join(binDir, target.exe);
    let started = performance.now();
    await compile({
      target: target.bunTarget,
      outfile: binary,
      version: opts.version,
      bytecode: opts.bytecode,
    });
    const compileMs = performance.now() - started;

    started = performance.now();
    const data = new Uint8Array(readFileSync(binary));
    const bytes =
      target.archive === "zip"
        ? zip([{ name: target.exe, data }], opts.mtime)
        : tarGz([{ name: target.exe, data, mode: 0o755 }], opts.mtime);
    const name = archiveName(opts.version, target);
    writeFileSync(join(opts.outDir, name), bytes);
    const archiveMs = performance.now() - started;

    const entry: BuiltTarget = {
      target,
      binary,
      binaryBytes: statSync(binary).size,
      archive: name,
      archiveBytes: bytes.length,
      sha256: sha256(bytes),
      url: `${base}/${name}`,
      compileMs,
      archiveMs,
    };
    built.push(entry);
    log(
      `${target.id.padEnd(13)} ${mb(entry.binaryBytes)} binary, ${mb(entry.archiveBytes)} ${target.archive}` +
        `  (compile ${(compileMs / 1000).toFixed(1)} s, archive ${(archiveMs / 1000).toFixed(1)} s)`,
    );
  }

  const assets = built.map((b) => b.archive);
  writeFileSync(
    join(opts.outDir, "SHA256SUMS"),
    formatSums(built.map((b) => ({ name: b.archive, sha256: b.sha256 }))),
  );
  assets.push("SHA256SUMS");

  const result: ReleaseResult = {
    version: opts.version,
    repo: opts.repo,
    outDir: opts.outDir,
    bytecode: opts.bytecode,
    targets: built,
    assets,
  };

  // The formula and manifest need every platform they describe; a partial (development) build skips them.
  const unix = built.filter((b) => b.target.os !== "windows");
  if (unix.length === 4) {
    result.formula = `${PRODUCT}.rb`;
    writeFileSync(
      join(opts.outDir, result.formula),
      formula({
        version: opts.version,
        repo: opts.repo,
        description: opts.description,
        license: opts.license,
        assets: unix.map((b) => ({ target: b.target, url: b.url, sha256: b.sha256 })),
      }),
    );
    assets.push(result.formula);
  }
  const windows = built.find((b) => b.target.os === "windows");
  if (windows) {
    result.scoop = scoopManifestName();
    const manifest = scoopManifest({
      version: opts.version,
      repo: opts.repo,
      description: opts.description,
      license: opts.license,
      url: windows.url,
      sha256: windows.sha256,
    });
    writeFileSync(join(opts.outDir, result.scoop), `${JSON.stringify(manifest, null, 2)}\n`);
    assets.push(result.scoop);
  }

  writeFileSync(join(opts.outDir, "install.sh"), installSh(opts.version, opts.repo));
  chmodSync(join(opts.outDir, "install.sh"), 0o755);
  writeFileSync(join(opts.outDir, "install.ps1"), installPs1(opts.version, opts.repo));
  assets.push("install.sh", "install.ps1");

  // For tests and the release notes; not uploaded.
  writeFileSync(join(opts.outDir, "build.json"), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1).padStart(6)} MiB`;
}
