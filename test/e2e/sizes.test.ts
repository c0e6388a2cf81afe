// Nothing the agent may send or take is lost to a size limit: long histories, huge items, and turn
// text that JSON must escape. What is over a limit fails alone, with the real cause.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_TURN_TEXT_BYTES } from "../../src/protocol/limits.ts";
import { cleanupAll, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

afterAll(cleanupAll);

/** The message events of `history --json`. */
function historyEvents(run: RunResult): { role: string; text: string }[] {
  expect(run.code).toBe(0);
  return run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((line) => line.kind === "event" && line.event.type === "message")
    .map((line) => line.event);
}

/** 11 turns of 50 KB: a history of over 1.1 MB, more than one agent frame of 1 MiB. */
async function longConversation(box: Sandbox): Promise<string[]> {
  const texts = Array.from({ length: 11 }, (_, i) => `turn ${i} ${"a".repeat(50_000)}`);
  for (const text of texts) {
    const say = await box.session(["say", "-"], { stdin: text });
    expect(say.code).toBe(0);
  }
  return texts;
}

/** history and end --transcript serve every turn of it, whole. */
async function servesItAll(box: Sandbox, texts: string[]): Promise<void> {
  const events = historyEvents(await box.session(["history", "--json"]));
  // Whole strings compared, never searched for: a 50 KB needle makes includes() crawl.
  for (const text of texts) {
    expect(events.some((e) => e.role === "user" && e.text === text)).toBe(true);
    expect(events.some((e) => e.role === "assistant" && e.text === text)).toBe(true);
  }
  const file = join(tempDir("lk-sizes-"), "talk.md");
  const end = await box.session(["end", "--transcript", file]);
  expect(end.code).toBe(0);
  const lines = new Set(readFileSync(file, "utf8").split("\n"));
  for (const text of texts) {
    expect(lines.has(`**You:** ${text}`)).toBe(true);
    expect(lines.has(`**Agent:** ${text}`)).toBe(true);
  }
}

describe("a long conversation (fake agent)", () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  test("11 turns of 50 KB: history and end --transcript get all of it", async () => {
    await servesItAll(box, await longConversation(box));
  });

  test("one history item of 10 MB that JSON doubles reaches the client whole", async () => {
    expect((await box.session(["say", "!pad 10000000"])).code).toBe(0);
    const events = historyEvents(await box.session(["history", "--json"]));
    expect(events.filter((e) => e.text === '"'.repeat(10_000_000))).toHaveLength(1);
  });

  test("a history over 64 MiB fails history alone, saying why; the session lives on", async () => {
    expect((await box.session(["say", "!pad 70000000"])).code).toBe(0);
    const history = await box.session(["history"]);
    expect(history.code).toBe(1);
    expect(history.stderr).toContain("the agent's answer to get_chat_history was 70.0 MB");
    expect(history.stderr).toContain("over the 64 MiB limit");
    const end = await box.session(["end", "--transcript", join(tempDir("lk-sizes-"), "t.md")]);
    expect(end.code).toBe(1);
    expect(end.stderr).toContain("over the 64 MiB limit");
    const say = await box.session(["say", "still here?"]);
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("● Agent\n    still here?");
  });
});

/** The --json result line of a run. */
const result = (run: RunResult) => JSON.parse(run.stdout.trim().split("\n").at(-1) as string);

describe("turn text that JSON must escape (fake agent)", () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  for (const [name, text] of [
    ['600,000 "', '"'.repeat(600_000)],
    ["180,000 bytes of \\x01", "\x01".repeat(180_000)],
    ["the most a turn carries, to the byte", "q".repeat(MAX_TURN_TEXT_BYTES)],
  ] as const) {
    test(`say: ${name} on stdin is delivered, and echoed back whole`, async () => {
      const say = await box.session(["say", "-", "--json"], { stdin: text });
      expect(say.code).toBe(0);
      // Compared, not printed: a failure must not dump a megabyte.
      expect(result(say).reply === text).toBe(true);
    });
  }

  test("say: one byte more than a turn carries is refused before anything is sent", async () => {
    const say = await box.session(["say", "-"], { stdin: "q".repeat(MAX_TURN_TEXT_BYTES + 1) });
    expect(say.code).toBe(1);
    expect(say.stderr).toContain(
      `the text is too long: ${MAX_TURN_TEXT_BYTES + 1} bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`,
    );
    expect(readFileSync(join(box.stateDir, `session-${box.port}.agent.log`), "utf8")).not.toContain("turn:");
  });

  test('replay: a line of 600,000 " is delivered; a 1.5 MB one is refused at parse time, with file:line', async () => {
    const dir = tempDir("lk-sizes-");
    const quotes = join(dir, "quotes.txt");
    writeFileSync(quotes, `hello\n${'"'.repeat(600_000)}\n? ^"+$\n`);
    const ok = await box.session(["replay", quotes, "--json"]);
    expect(ok.code).toBe(0);
    expect(result(ok).turns.map((t: { ok: boolean }) => t.ok)).toEqual([true, true]);

    const long = join(dir, "long.txt");
    writeFileSync(long, `never sent\n${"z".repeat(1_500_000)}\n`);
    const refused = await box.session(["replay", long]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${long}:2: the text is too long: 1500000 bytes; one turn carries at most ${MAX_TURN_TEXT_BYTES}`,
    );
    // Refused before the first turn ran.
    expect(readFileSync(join(box.stateDir, `session-${box.port}.agent.log`), "utf8")).not.toContain(
      "never sent",
    );
  });
});

describe("a long conversation (the real Python echo agent)", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));
  test("11 turns of 50 KB: history and end --transcript get all of it", async () => {
    const box = await Sandbox.create();
    try {
      const start = await box.session(["start", "agent.py"], {
        cwd: PYTHON_AGENT.dir,
        env: { ECHO_AGENT_NO_GREETING: "1" },
      });
      expect(start.code).toBe(0);
      await servesItAll(box, await longConversation(box));
    } finally {
      await box.cleanup();
    }
  }, 180_000);
});
