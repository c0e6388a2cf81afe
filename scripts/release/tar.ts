// A gzipped ustar archive, written here so a release needs no tar program and sets the modes itself.

import { gzipSync } from "node:zlib";

export interface ArchiveEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Uint8Array;
  /** Unix permission bits, e.g. 0o755 for an executable. */
  mode: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function field(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar header field too long: ${value}`);
  header.set(bytes, offset);
}

/** Octal, zero-padded to length-1 digits, NUL-terminated. */
function octal(value: number, length: number): string {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar numeric field overflow: ${value}`);
  return `${digits.padStart(length - 1, "0")}\0`;
}

export function tarHeader(entry: ArchiveEntry, mtime: number): Uint8Array {
  const header = new Uint8Array(BLOCK);
  if (encoder.encode(entry.name).length > 100) throw new Error(`tar entry name too long: ${entry.name}`);
  field(header, 0, 100, entry.name);
  field(header, 100, 8, octal(entry.mode & 0o7777, 8));
  field(header, 108, 8, octal(0, 8)); // uid
  field(header, 116, 8, octal(0, 8)); // gid
  field(header, 124, 12, octal(entry.data.length, 12));
  field(header, 136, 12, octal(Math.floor(mtime), 12));
  field(header, 148, 8, "        "); // checksum: spaces while summing
  field(header, 156, 1, "0"); // regular file
  field(header, 257, 6, "ustar\0");
  field(header, 263, 2, "00");
  field(header, 265, 32, "root");
  field(header, 297, 32, "root");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

export function tar(entries: ArchiveEntry[], mtime: number): Uint8Array {
  const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
  const total = entries.reduce((n, e) => n + BLOCK + padded(e.data.length), 0) + 2 * BLOCK;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    out.set(tarHeader(entry, mtime), offset);
    offset += BLOCK;
    out.set(entry.data, offset);
    offset += padded(entry.data.length);
  }
  // Two zero blocks end the archive; the array is zero-filled already.
  return out;
}

export function tarGz(entries: ArchiveEntry[], mtime: number): Uint8Array {
  return gzipSync(tar(entries, mtime), { level: 9 });
}
