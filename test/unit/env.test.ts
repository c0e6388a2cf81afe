// The agent's environment overrides: the dotenv parser (every form it takes, and each bad line named
// file:line), --env's two forms, which wins, and which names are secrets.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnvFile, readEnvFile } from "../../src/agent/env-file.ts";
import { loadEnvOverrides, parseEnvFlags } from "../../src/agent/env-overrides.ts";
import { isSecretName, laterEnvFrom, shownEnv } from "../../src/protocol/env.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(run: () => unknown): { message: string; detail: string[] } {
  try {
    run();
  } catch (error) {
    return error as { message: string; detail: string[] };
  }
  throw new Error("it did not fail");
}

describe("--env-file: dotenv lines", () => {
  test("NAME=VALUE, export, comments, blank lines, quotes, spaces around =", () => {
    const text = [
      "# a comment",
      "",
      "PLAIN=hello world",
      "  export EXPORTED=yes",
      "SPACED = around  ",
      "SINGLE='a # not a comment'",
      "LITERAL='a\\nb $HOME'",
      'DOUBLE="line1\\nline2 \\"quoted\\" \\\\ \\$HOME"',
      "TRAILING=value # a comment after a space",
      "HASH=a#b",
      'QUOTED_THEN_COMMENT="x y"   # why',
      "EMPTY=",
      "EMPTY_QUOTED=''",
      "\t# indented comment",
      "PLAIN=later wins",
    ].join("\n");
    expect(parseEnvFile(text, ".env")).toEqual({
      PLAIN: "later wins",
      EXPORTED: "yes",
      SPACED: "around",
      SINGLE: "a # not a comment",
      LITERAL: "a\\nb $HOME",
      DOUBLE: 'line1\nline2 "quoted" \\ $HOME',
      TRAILING: "value",
      HASH: "a#b",
      QUOTED_THEN_COMMENT: "x y",
      EMPTY: "",
      EMPTY_QUOTED: "",
    });
  });

  test("CRLF line ends and a byte-order mark are taken in stride", () => {
    expect(parseEnvFile("\uFEFFA=1\r\nB='2'\r\n", "win.env")).toEqual({ A: "1", B: "2" });
  });

  test("a line that is not NAME=VALUE: file:line, what it got, and what a line may be", () => {
    const bad = failure(() => parseEnvFile("A=1\n\njust words\n", "conf/.env"));
    expect(bad.message).toBe('conf/.env:3: expected NAME=VALUE (got "just words")');
    expect(bad.detail).toEqual(["each line is NAME=VALUE, export NAME=VALUE, a # comment or blank"]);
  });

  test("a bad name, an unclosed quote, text after a closing quote", () => {
    expect(failure(() => parseEnvFile("1ABC=x", "e")).message).toBe(
      'e:1: "1ABC" is not a variable name (letters, digits and _, not first a digit)',
    );
    expect(failure(() => parseEnvFile("A-B=x", "e")).message).toStartWith(
      'e:1: "A-B" is not a variable name',
    );
    expect(failure(() => parseEnvFile("OK=1\nA='open", "e")).message).toBe(
      "e:2: the value's ' is not closed on this line",
    );
    expect(failure(() => parseEnvFile('A="x" y', "e")).message).toBe(
      'e:1: unexpected text after the closing ": "y"',
    );
  });

  test("a file that is not there, or a folder, says so with the path looked at", () => {
    const missing = failure(() => readEnvFile(join(dir, "nope.env"), "nope.env"));
    expect(missing.message).toBe("could not read --env-file nope.env: no such file");
    expect(missing.detail).toEqual([`(looked at ${join(dir, "nope.env")})`]);
    expect(failure(() => readEnvFile(dir, "the-dir")).message).toBe(
      "could not read --env-file the-dir: it is a folder",
    );
  });
});

describe("--env and which wins", () => {
  test("NAME=VALUE as given (= in the value kept); NAME alone takes this shell's value", () => {
    expect(parseEnvFlags(["A=1", "B=x=y", "C=", "HOME"], { HOME: "/home/me" })).toEqual({
      A: "1",
      B: "x=y",
      C: "",
      HOME: "/home/me",
    });
  });

  test("NAME alone, unset in this shell, and a bad name are refused with the way to write it", () => {
    const unset = failure(() => parseEnvFlags(["OPENAI_API_KEY"], {}));
    expect(unset.message).toBe("--env OPENAI_API_KEY: OPENAI_API_KEY is not set in this shell");
    expect(unset.detail[0]).toContain("--env OPENAI_API_KEY=VALUE");
    expect(failure(() => parseEnvFlags(["=x"], {})).message).toBe('--env "=x": "" is not a variable name');
    expect(failure(() => parseEnvFlags(["A B=1"], {})).message).toBe(
      '--env "A B=1": "A B" is not a variable name',
    );
  });

  test("files in order, later ones winning; --env wins over every file", () => {
    const first = join(dir, "first.env");
    const second = join(dir, "second.env");
    writeFileSync(first, "A=first\nB=first\nC=first\n");
    writeFileSync(second, "B=second\nC=second\n");
    const overrides = loadEnvOverrides({
      vars: { C: "flag" },
      files: [
        { path: first, shown: "first.env" },
        { path: second, shown: "second.env" },
      ],
    });
    expect(overrides).toEqual({ A: "first", B: "second", C: "flag" });
  });
});

describe("secrets", () => {
  test("*KEY*, *SECRET*, *TOKEN*, *PASSWORD*, in any case, are secrets; other names are not", () => {
    for (const name of [
      "OPENAI_API_KEY",
      "key",
      "MY_SECRET",
      "client_secret_id",
      "GITHUB_TOKEN",
      "DB_Password",
    ])
      expect(isSecretName(name)).toBe(true);
    for (const name of ["LOG_LEVEL", "PATH", "ECHO_AGENT_NO_GREETING", "PASSWD"])
      expect(isSecretName(name)).toBe(false);
  });

  test("shown: every name, a secret's value as null", () => {
    expect(shownEnv({ LOG_LEVEL: "debug", LIVEKIT_API_SECRET: "s3cr3t", EMPTY: "" })).toEqual({
      LOG_LEVEL: "debug",
      LIVEKIT_API_SECRET: null,
      EMPTY: "",
    });
  });
});

describe("where the overrides came from, across restarts (for the start printed after an end)", () => {
  test("a restart's files come last; a name its files set is no longer start's --env", () => {
    const start = { files: ["/a.env", "/b.env"], flags: ["LOG_LEVEL", "MODE", "API_KEY"] };
    const later = laterEnvFrom(
      start,
      { files: ["/a.env", "/c.env"], flags: ["API_KEY"] },
      { MODE: "from-c", OTHER: "x", API_KEY: "new" },
    );
    expect(later).toEqual({ files: ["/b.env", "/a.env", "/c.env"], flags: ["LOG_LEVEL", "API_KEY"] });
  });
});
