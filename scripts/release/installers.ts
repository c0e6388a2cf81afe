// install.sh and install.ps1 for one release: the committed scripts with that release's version and
// repository as their defaults (both still honour LK_VERSION and LK_RELEASE_REPO).

import { readFileSync } from "node:fs";
import { join } from "node:path";

function replaceOnce(text: string, pattern: RegExp, replacement: string, file: string): string {
  if (!pattern.test(text)) throw new Error(`${file}: no line matches ${pattern}`);
  return text.replace(pattern, replacement);
}

export function installSh(version: string, repo: string): string {
  let text = readFileSync(join(import.meta.dir, "install.sh"), "utf8");
  text = replaceOnce(text, /^DEFAULT_VERSION=".*"$/m, `DEFAULT_VERSION="${version}"`, "install.sh");
  return replaceOnce(text, /^DEFAULT_REPO=".*"$/m, `DEFAULT_REPO="${repo}"`, "install.sh");
}

export function installPs1(version: string, repo: string): string {
  let text = readFileSync(join(import.meta.dir, "install.ps1"), "utf8");
  text = replaceOnce(
    text,
    /^(\s*)\$DefaultVersion = '.*'$/m,
    `$1$DefaultVersion = '${version}'`,
    "install.ps1",
  );
  text = replaceOnce(text, /^(\s*)\$DefaultRepo = '.*'$/m, `$1$DefaultRepo = '${repo}'`, "install.ps1");
  // PowerShell 5.1 reads a BOM-less script as the ANSI code page; keep it ASCII with CRLF endings.
  return text.replace(/\r?\n/g, "\r\n");
}
