// The platforms a release ships for, and what each one's files are called.

export type Os = "linux" | "darwin" | "windows";
export type Arch = "x64" | "arm64";

export interface Target {
  /** `linux-x64`: used in file names. */
  id: `${Os}-${Arch}`;
  os: Os;
  arch: Arch;
  /** What `Bun.build({ compile: { target } })` takes. */
  bunTarget: Bun.Build.CompileTarget;
  /** The executable's name inside the archive. */
  exe: "lk" | "lk.exe";
  archive: "tar.gz" | "zip";
}

function target(os: Os, arch: Arch): Target {
  const windows = os === "windows";
  return {
    id: `${os}-${arch}`,
    os,
    arch,
    bunTarget: `bun-${os}-${arch}`,
    exe: windows ? "lk.exe" : "lk",
    archive: windows ? "zip" : "tar.gz",
  };
}

export const TARGETS: readonly Target[] = [
  target("linux", "x64"),
  target("linux", "arm64"),
  target("darwin", "x64"),
  target("darwin", "arm64"),
  target("windows", "x64"),
];

/** The name every release file starts with (also the Homebrew formula's and scoop app's name). */
export const PRODUCT = "lk-agent-session";

/** One line, no trailing period, under 80 characters: what Homebrew and scoop show. */
export const DESCRIPTION = "Drive a LiveKit voice agent from a terminal in text mode";

/** `lk-agent-session-0.1.0-linux-x64.tar.gz` */
export function archiveName(version: string, t: Target): string {
  return `${PRODUCT}-${version}-${t.id}.${t.archive}`;
}

export function findTargets(ids: string[]): Target[] {
  return ids.map((id) => {
    const found = TARGETS.find((t) => t.id === id);
    if (!found) throw new Error(`unknown target ${id} (known: ${TARGETS.map((t) => t.id).join(", ")})`);
    return found;
  });
}

/** The target matching the machine running this script, if it is one we ship. */
export function hostTarget(): Target | undefined {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return TARGETS.find((t) => t.os === os && t.arch === process.arch);
}

/** Release versions are plain semver: they end up inside Ruby, JSON, sh and PowerShell text. */
export function checkVersion(raw: string): string {
  const version = raw.replace(/^v/, "");
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`not a release version: ${JSON.stringify(raw)} (want 1.2.3 or 1.2.3-rc.1)`);
  }
  return version;
}

/** `owner/name` of the GitHub repository whose releases hold the files. */
export function checkRepo(raw: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/.test(raw)) {
    throw new Error(`not a GitHub repository: ${JSON.stringify(raw)} (want owner/name)`);
  }
  return raw;
}

/** Where a release's files are downloaded from. */
export function releaseBaseUrl(repo: string, version: string): string {
  return `https://github.com/${repo}/releases/download/v${version}`;
}
