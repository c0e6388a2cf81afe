// The scoop manifest: the Windows zip, its hash, and how scoop finds the next release by itself.

import { PRODUCT } from "./targets.ts";

export interface ScoopInput {
  version: string;
  repo: string;
  description: string;
  license?: string;
  /** The windows-x64 zip. */
  url: string;
  sha256: string;
}

export function scoopManifest(input: ScoopInput): Record<string, unknown> {
  const base = `https://github.com/${input.repo}`;
  // The URL with the version swapped for scoop's $version, for autoupdate.
  const template = input.url.split(input.version).join("$version");
  return {
    version: input.version,
    description: input.description,
    homepage: base,
    ...(input.license ? { license: input.license } : {}),
    architecture: {
      "64bit": { url: input.url, hash: input.sha256 },
    },
    bin: "lk.exe",
    checkver: { github: base },
    autoupdate: {
      architecture: { "64bit": { url: template } },
      hash: { url: "$baseurl/SHA256SUMS" },
    },
  };
}

export function scoopManifestName(): string {
  return `${PRODUCT}.json`;
}
