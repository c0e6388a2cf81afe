// SHA256SUMS in the format `sha256sum -c` and `shasum -a 256 -c` read: "<hex>  <name>".

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface Checksum {
  name: string;
  sha256: string;
}

export function formatSums(sums: Checksum[]): string {
  return [...sums]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => `${s.sha256}  ${s.name}\n`)
    .join("");
}

export function parseSums(text: string): Checksum[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      // Two spaces (text mode) or " *" (binary mode) separate the hash from the name.
      const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!match) throw new Error(`bad SHA256SUMS line: ${line}`);
      return { sha256: match[1] as string, name: match[2] as string };
    });
}
