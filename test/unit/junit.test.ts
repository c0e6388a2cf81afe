// JUnit XML read back by a real XML parser: counts, escaping of attributes and CDATA, characters XML
// cannot hold; and the `test` command's options.

import { describe, expect, test } from "bun:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import testCommand, { parseRate, parseShard } from "../../src/commands/test.ts";
import { junitXml } from "../../src/render/junit.ts";
import { env } from "../helpers/fake-session.ts";

// htmlEntities: numeric references (&#10; in attributes) decoded too.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  cdataPropName: "cdata",
  htmlEntities: true,
});

describe("junit XML", () => {
  const nasty = "quote \" amp & lt < gt > apos ' line\nbreak \x1b[31mred\x1b[0m bell \x07 end ]]> after";
  const xml = junitXml("lk agent session test", [
    {
      name: "tests/a.lktest.yaml",
      cases: [
        { name: nasty, classname: "tests/a.lktest.yaml", seconds: 1.5, systemOut: `log ${nasty}` },
        {
          name: "fails",
          classname: "tests/a.lktest.yaml",
          seconds: 0.25,
          failure: { message: nasty, text: `expected ${nasty}` },
        },
      ],
    },
    {
      name: "tests/b.txt",
      cases: [{ name: "broken", classname: "tests/b.txt", seconds: 0, error: { message: "m", text: "t" } }],
    },
  ]);

  test("well-formed, with the counts per suite and in all", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml).testsuites;
    expect(doc).toMatchObject({ tests: "3", failures: "1", errors: "1", skipped: "0", time: "1.750" });
    expect(doc.testsuite[0]).toMatchObject({ name: "tests/a.lktest.yaml", tests: "2", failures: "1" });
    expect(doc.testsuite[1]).toMatchObject({ name: "tests/b.txt", tests: "1", errors: "1" });
  });

  test("text survives escaping: quotes, ampersands, newlines, `]]>` in CDATA; colors and control characters do not", () => {
    const cases = parser.parse(xml).testsuites.testsuite[0].testcase;
    const clean = nasty.replace("\x1b[31m", "").replace("\x1b[0m", "").replace("\x07", "\uFFFD");
    expect(cases[0].name).toBe(clean);
    const out = [cases[0]["system-out"].cdata].flat().join("");
    expect(out).toBe(`log ${clean}`);
    expect(cases[1].failure.message).toBe(clean);
    expect([cases[1].failure.cdata].flat().join("")).toBe(`expected ${clean}`);
  });
});

describe("test: options", () => {
  test("defaults: the project's tests, one at a time, once, all must pass", () => {
    expect(testCommand.parse([], env({}, { cwd: "/p" }))).toMatchObject({
      paths: [],
      cwd: "/p",
      jobs: 1,
      shard: undefined,
      repeat: 1,
      minPassRate: 1,
      keepGoing: false,
      junit: undefined,
      userPort: 8775,
    });
    expect(testCommand.parse([], env({ LK_SESSION_PORT: "9000" })).userPort).toBe(9000);
  });

  test("every flag", () => {
    const o = testCommand.parse(
      ["a", "b/", "--jobs", "3", "--shard", "2/3", "--repeat", "5", "--min-pass-rate", "80%", "--keep-going"],
      env({}, { cwd: "/p" }),
    );
    expect(o).toMatchObject({
      paths: ["a", "b/"],
      jobs: 3,
      shard: { index: 2, count: 3 },
      repeat: 5,
      minPassRate: 0.8,
      keepGoing: true,
    });
    expect(testCommand.parse(["--junit", "out/r.xml"], env({}, { cwd: "/p" })).junit).toBe("/p/out/r.xml");
  });

  test("bad values are refused with what is expected", () => {
    expect(() => parseShard("0/3")).toThrow("--shard must be I/N with 1 ≤ I ≤ N");
    expect(() => parseShard("4/3")).toThrow("--shard must be I/N");
    expect(() => parseShard("2")).toThrow("--shard must be I/N");
    expect(parseRate("0.8")).toBe(0.8);
    expect(() => parseRate("1.5")).toThrow("--min-pass-rate must be from 0 to 1");
    expect(() => parseRate("abc")).toThrow("--min-pass-rate");
    expect(() => testCommand.parse(["--jobs", "0"], env())).toThrow("--jobs must be a whole number");
    expect(() => testCommand.parse(["--repeat", "1.5"], env())).toThrow("--repeat must be a whole number");
    expect(() => testCommand.parse(["--runtime", "deno"], env())).toThrow("--runtime must be node or bun");
  });

  test("counts, shards and rates are plain decimals, as ports and durations are (no hex, exponent, sign or spaces)", () => {
    for (const bad of ["0x3", "1e1", "+3", " 3", "3 ", ""])
      expect(() => testCommand.parse(["--jobs", bad], env())).toThrow("--jobs must be a whole number");
    for (const bad of [" 2/3", "2/3 ", "0x2/3", "+2/3"])
      expect(() => parseShard(bad)).toThrow("--shard must be I/N");
    for (const bad of ["", " ", "0x1", "1e-1", "-0", ".8 ", "80 %", "%"])
      expect(() => parseRate(bad)).toThrow("--min-pass-rate must be from 0 to 1");
    expect(parseRate(".8")).toBe(0.8);
    expect(parseRate("80%")).toBe(0.8);
    expect(parseRate("0")).toBe(0);
    expect(parseRate("1")).toBe(1);
  });
});
