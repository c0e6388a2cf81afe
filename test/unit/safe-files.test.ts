// Files written whole or not at all, no temporary file left on any failure, links never followed;
// and which state folders lk refuses.

import { afterAll, describe, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNoFollow, readNoFollow, writeFileAtomic } from "../../src/safe-files.ts";
import { whyUntrusted } from "../../src/state/state-dir.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform === "win32")("writeFileAtomic", () => {
  test("writes the file 0600, and leaves nothing else", () => {
    const box = mkdtempSync(join(dir, "ok-"));
    writeFileAtomic(join(box, "a.json"), "{}");
    expect(readdirSync(box)).toEqual(["a.json"]);
    expect(statSync(join(box, "a.json")).mode & 0o777).toBe(0o600);
  });

  test("a rename that fails (onto a folder) throws and leaves no temporary file", () => {
    const box = mkdtempSync(join(dir, "fail-"));
    mkdirSync(join(box, "taken"));
    writeFileSync(join(box, "taken", "x"), "x");
    expect(() => writeFileAtomic(join(box, "taken"), "content")).toThrow();
    expect(readdirSync(box)).toEqual(["taken"]);
  });

  test("a missing folder throws and creates nothing", () => {
    expect(() => writeFileAtomic(join(dir, "nowhere", "a.json"), "{}")).toThrow();
    expect(readdirSync(dir).includes("nowhere")).toBe(false);
  });

  test("a link at the path is replaced, never written through", () => {
    const box = mkdtempSync(join(dir, "link-"));
    writeFileSync(join(box, "target"), "mine");
    symlinkSync(join(box, "target"), join(box, "a.json"));
    writeFileAtomic(join(box, "a.json"), "new");
    expect(readFileSync(join(box, "target"), "utf8")).toBe("mine");
    expect(readFileSync(join(box, "a.json"), "utf8")).toBe("new");
  });
});

describe.skipIf(process.platform === "win32")("opening without following links", () => {
  test("a link is refused with a message saying what to do, for reading and for writing", () => {
    const box = mkdtempSync(join(dir, "nofollow-"));
    writeFileSync(join(box, "target"), "mine");
    const link = join(box, "x.log");
    symlinkSync(join(box, "target"), link);
    for (const how of ["read", "truncate", "append"] as const) {
      expect(() => openNoFollow(link, how)).toThrow(
        `${link} is a symbolic link, and lk does not follow links there`,
      );
    }
    expect(() => readNoFollow(link)).toThrow("is a symbolic link");
    expect(readFileSync(join(box, "target"), "utf8")).toBe("mine");
  });
});

describe("which state folders lk refuses", () => {
  const stat = (mode: number, uid: number, isDir = true) =>
    ({ mode, uid, isDirectory: () => isDir }) as unknown as import("node:fs").Stats;
  test("the user's own, 0700 or 0755: used", () => {
    expect(whyUntrusted("/s", stat(0o40700, 501), 501)).toBeUndefined();
    expect(whyUntrusted("/s", stat(0o40755, 501), 501)).toBeUndefined();
  });
  test("another user's: refused, whatever its mode", () => {
    expect(whyUntrusted("/s", stat(0o40700, 0), 501)?.message).toBe(
      "the state folder /s belongs to another user (uid 0); lk will not use it",
    );
  });
  test("writable by group or others, sticky or not: refused, with the chmod that fixes it", () => {
    for (const mode of [0o40770, 0o40702, 0o41777]) {
      const refusal = whyUntrusted("/s", stat(mode, 501), 501);
      expect(refusal?.message).toContain("can be written by other users");
      expect(refusal?.detail).toContain("make it yours alone: chmod 700 /s");
    }
  });
  test("not a folder: refused", () => {
    expect(whyUntrusted("/s", stat(0o100600, 501, false), 501)?.message).toBe(
      "the state folder /s is not a folder",
    );
  });
});
