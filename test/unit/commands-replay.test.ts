// `replay`'s decisions with a fake session client: each turn sent, checked, and a stop at the first failure.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import replay, { type ReplayOptions } from "../../src/commands/replay.ts";
import { EXIT } from "../../src/protocol/exit-codes.ts";
import { MAX_TURN_TEXT_BYTES } from "../../src/protocol/limits.ts";
import { env, fake, PORT } from "../helpers/fake-session.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function conversation(text: string): string {
  const file = join(dir, `talk-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, text);
  return file;
}

const options = (file: string): ReplayOptions => ({ json: false, port: PORT, timeoutMs: 120_000, file });

describe("replay", () => {
  test("parse: FILE is required", () => {
    expect(() => replay.parse([], env())).toThrow("missing FILE for `lk agent session replay`");
    expect(replay.parse(["talk.txt", "--timeout", "5"], env())).toMatchObject({
      file: "talk.txt",
      timeoutMs: 5000,
    });
  });

  test("every turn is sent and checked; results have the shape say uses", async () => {
    const file = conversation("first turn\n? first\n?! nope\nsecond\n");
    const f = fake({ command: "replay" });
    const outcome = await replay.run(options(file), f.io);
    expect(f.sent.map((c) => (c.cmd === "say" ? c.text : c.cmd))).toEqual(["first turn", "second"]);
    const turns = outcome.fields?.turns as Record<string, unknown>[];
    expect(turns[0]?.expectations).toEqual([
      { pattern: "first", negated: false, ok: true },
      { pattern: "nope", negated: true, ok: true },
    ]);
    expect(turns[1]?.expectations).toEqual([]);
    expect(outcome.fields?.expectations).toBe(2);
    expect(f.out()).toContain("✓ expect first");
    expect(f.out()).toContain("✓ must not match nope");
    expect(f.out()).toContain("replay passed: 2 turns, 2 expectations");
  });

  test("a failed expectation stops there: exit 2, later turns not sent", async () => {
    const file = conversation("one\n? one\ntwo\n? rainy\nthree\n");
    const f = fake({ command: "replay" });
    const outcome = await replay.run(options(file), f.io);
    expect(f.sent).toHaveLength(2);
    expect(outcome.error?.exitCode).toBe(EXIT.expectation);
    expect(outcome.error?.message).toStartWith("turn 2 (line 3): expectation failed");
    const turns = outcome.fields?.turns as Record<string, unknown>[];
    expect(turns[1]).toMatchObject({
      ok: false,
      expectations: [{ pattern: "rainy", negated: false, ok: false }],
    });
    expect(f.out()).toContain("✗ expect rainy");
  });

  test("a failed turn stops there with its exit code", async () => {
    const file = conversation("one\ntwo\n");
    const f = fake({
      command: "replay",
      answer: () => ({ done: { ok: false, error: "agent error: boom" } }),
    });
    const outcome = await replay.run(options(file), f.io);
    expect(f.sent).toHaveLength(1);
    expect(outcome.error?.message).toBe("turn 1 (line 1) failed: agent error: boom");
    expect(outcome.error?.exitCode).toBe(1);
  });

  test("an unreadable or empty file is refused before the session is looked up", async () => {
    const f = fake({ command: "replay" });
    await expect(replay.run(options(join(dir, "missing.txt")), f.io)).rejects.toThrow("ENOENT");
    await expect(replay.run(options(conversation("# nothing\n")), f.io)).rejects.toThrow("has no turns");
    expect(f.finds).toEqual([]);
  });

  test("a turn too long for one run_input frame is refused at parse time, with file:line, before any is sent", async () => {
    const f = fake({ command: "replay" });
    // 6 bytes of "long \n", then 600,000 two-byte characters: what counts is the UTF-8 sent.
    const file = conversation(`fine\n? fine\nlong \\\n${"é".repeat(600_000)}\n`);
    await expect(replay.run(options(file), f.io)).rejects.toThrow(
      `${file}:3: the text is too long: 1200006 bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`,
    );
    expect(f.sent).toEqual([]);
  });
});
