// The Homebrew formula: one prebuilt archive per macOS/Linux CPU, from the release's files.

import type { Arch, Os, Target } from "./targets.ts";
import { PRODUCT } from "./targets.ts";

export interface FormulaAsset {
  target: Target;
  url: string;
  sha256: string;
}

export interface FormulaInput {
  version: string;
  repo: string;
  description: string;
  license?: string;
  assets: FormulaAsset[];
}

/** `lk-agent-session` → `LkAgentSession` (Homebrew's rule for a formula's class). */
export function formulaClass(name: string): string {
  return name
    .split(/[-_.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

function assetFor(assets: FormulaAsset[], os: Os, arch: Arch): FormulaAsset {
  const found = assets.find((a) => a.target.os === os && a.target.arch === arch);
  if (!found) throw new Error(`the formula needs a ${os}-${arch} archive`);
  return found;
}

export function formula(input: FormulaInput): string {
  const block = (os: Os, arch: Arch) => {
    const a = assetFor(input.assets, os, arch);
    return [
      `    on_${arch === "arm64" ? "arm" : "intel"} do`,
      `      url "${a.url}"`,
      `      sha256 "${a.sha256}"`,
      "    end",
    ];
  };
  const desc = input.description.replace(/\.$/, "").replace(/"/g, '\\"');
  return [
    `class ${formulaClass(PRODUCT)} < Formula`,
    `  desc "${desc}"`,
    `  homepage "https://github.com/${input.repo}"`,
    `  version "${input.version}"`,
    ...(input.license ? [`  license "${input.license}"`] : []),
    "",
    "  on_macos do",
    ...block("darwin", "arm64"),
    ...block("darwin", "x64"),
    "  end",
    "",
    "  on_linux do",
    ...block("linux", "arm64"),
    ...block("linux", "x64"),
    "  end",
    "",
    '  conflicts_with "livekit-cli", because: "both install an `lk` executable"',
    "",
    "  def install",
    '    bin.install "lk"',
    "  end",
    "",
    "  test do",
    '    assert_match version.to_s, shell_output("#{bin}/lk --version")',
    "  end",
    "end",
    "",
  ].join("\n");
}
