// A zip archive (deflate, no zip64: entries under 4 GiB), written here so a release needs no zip program.

import { deflateRawSync } from "node:zlib";

export interface ZipEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Uint8Array;
}

const encoder = new TextEncoder();

/** MS-DOS date and time, as zip stores them (no zone: UTC here, so any machine builds the same bytes). */
export function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** CRC-32 (IEEE 802.3), as zip and gzip use. */
export function crc32(data: Uint8Array): number {
  return Bun.hash.crc32(data) >>> 0;
}

export function zip(entries: ZipEntry[], mtime: number): Uint8Array {
  const when = dosDateTime(new Date(mtime * 1000));
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;

  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    if (compressed.length >= 0xffffffff || entry.data.length >= 0xffffffff) {
      throw new Error(`${entry.name} is too large for a zip without zip64`);
    }

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); // local file header
    local.setUint16(4, 20, true); // version needed: 2.0 (deflate)
    local.setUint16(6, 0x0800, true); // flags: names are UTF-8
    local.setUint16(8, 8, true); // method: deflate
    local.setUint16(10, when.time, true);
    local.setUint16(12, when.date, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, compressed.length, true);
    local.setUint32(22, entry.data.length, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, 0, true); // extra length

    const dir = new DataView(new ArrayBuffer(46));
    dir.setUint32(0, 0x02014b50, true); // central directory header
    dir.setUint16(4, 20, true); // made by: MS-DOS, 2.0
    dir.setUint16(6, 20, true);
    dir.setUint16(8, 0x0800, true);
    dir.setUint16(10, 8, true);
    dir.setUint16(12, when.time, true);
    dir.setUint16(14, when.date, true);
    dir.setUint32(16, crc, true);
    dir.setUint32(20, compressed.length, true);
    dir.setUint32(24, entry.data.length, true);
    dir.setUint16(28, name.length, true);
    // extra, comment, disk number, internal attributes: 0
    dir.setUint32(38, 0x20, true); // external attributes: FILE_ATTRIBUTE_ARCHIVE
    dir.setUint32(42, offset, true);

    parts.push(new Uint8Array(local.buffer), name, compressed);
    central.push(new Uint8Array(dir.buffer), name);
    offset += 30 + name.length + compressed.length;
  }

  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true); // end of central directory
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);

  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of all) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
