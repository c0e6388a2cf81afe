// Terminal escapes from the agent (or in the user's own text) are shown, never obeyed: text output,
// to a pipe here as to a terminal, has no control character but \n and \t; --json keeps the exact text.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ESCAPES_ERROR,
  ESCAPES_HANDOFF,
  ESCAPES_LOG,
  ESCAPES_REPLY,
  ESCAPES_TOOL,
} from "../fixtures/fake-agent/escapes.ts";
import { cleanupAll, Sandbox, tempDir } from "../helpers/lk.ts";

/** A control character a terminal could act on (C0 but \t and \n, DEL, C1). */
const RAW_CONTROL = /(?![\t\n])\p{Cc}/u;

/** A color sequence (Select Graphic Rendition): what lk itself writes on a terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point
const SGR = /\x1b\[[0-9;]*m/g;

/** The user's own text, with a clear-screen and a bell in it. */
const USER_TEXT = "!escapes \x1b[2Jclear \x07ring";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
  expect((await box.startFake()).code).toBe(0);
});
afterEach(async () => {
  await box.cleanup();
});
afterAll(cleanupAll);

describe("escapes in what the agent says", () => {
  test("say shows every control character as \\xHH: reply, tool, handoff, error, the user's line", async () => {
    const say = await box.session(["say", USER_TEXT]);
    expect(say.code).toBe(0);
    expect(say.stdout).not.toMatch(RAW_CONTROL);
    expect(say.stdout).toContain("● You\n    !escapes \\x1b[2Jclear \\x07ring\n");
    expect(say.stdout).toContain('● function_tool: peek\\x07 {"q":"\\x1b[2J"}\n');
    // The output was JSON: decoding it brought the escapes back, and they are shown too.
    expect(say.stdout).toContain("✓ \\x1b]0;tool\\x07sunny\n");
    expect(say.stdout).toContain("● handoff: echo\\x1b[1m → billing\\x07\n");
    expect(say.stdout).toContain("● error\n    bad\\x1b[2Jthing\n");
    expect(say.stdout).toContain(
      "● Agent\n    title\\x1b]0;owned\\x07 bell\\x07 cr\\x0dover c1\\x9b31m end\n",
    );
  });

  test("with colors on (as on a terminal), only lk's own colors are escape sequences", async () => {
    const say = await box.session(["say", USER_TEXT], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    const ours = say.stdout.replace(SGR, "");
    expect(ours).not.toBe(say.stdout);
    expect(ours).not.toMatch(RAW_CONTROL);
    expect(ours).toContain("handoff: echo\\x1b[1m → billing\\x07");
    expect(ours).toContain("title\\x1b]0;owned\\x07");
  });

  test("--json keeps the exact text, JSON-escaped (C1 controls too)", async () => {
    const say = await box.session(["say", USER_TEXT, "--json"]);
    expect(say.code).toBe(0);
    expect(say.stdout).not.toMatch(RAW_CONTROL);
    expect(say.stdout).toContain("\\u009b31m");
    const result = JSON.parse(say.stdout.trim().split("\n").at(-1) as string);
    expect(result.text).toBe(USER_TEXT);
    expect(result.reply).toBe(ESCAPES_REPLY);
    const byType = (type: string) => result.events.find((e: { type: string }) => e.type === type);
    expect(byType("tool_call")).toMatchObject({ name: ESCAPES_TOOL.name, arguments: ESCAPES_TOOL.arguments });
    expect(byType("tool_output").output).toBe(JSON.stringify(ESCAPES_TOOL.output));
    expect(byType("handoff")).toMatchObject(ESCAPES_HANDOFF);
    expect(byType("error").message).toBe(ESCAPES_ERROR);
  });

  test("a failure's message shows the reply visibly on stderr", async () => {
    const say = await box.session(["say", "!escapes", "--expect", "nothing like it"]);
    expect(say.code).toBe(2);
    expect(say.stderr).not.toMatch(RAW_CONTROL);
    expect(say.stderr).toContain("the agent replied:\n      title\\x1b]0;owned\\x07");
  });

  test("history renders them the same way", async () => {
    await box.session(["say", "!escapes"]);
    const history = await box.session(["history"]);
    expect(history.stdout).not.toMatch(RAW_CONTROL);
    expect(history.stdout).toContain("title\\x1b]0;owned\\x07");
  });

  test("a markdown transcript shows them; a JSON one keeps them", async () => {
    await box.session(["say", USER_TEXT]);
    const dir = tempDir("lk-escapes-");
    const md = join(dir, "talk.md");
    expect((await box.session(["end", "--transcript", md])).code).toBe(0);
    const text = readFileSync(md, "utf8");
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain("**You:** !escapes \\x1b[2Jclear \\x07ring");
    expect(text).toContain("**Agent:** title\\x1b]0;owned\\x07");
    expect(text).toContain("**Tool** `peek\\x07`");

    expect((await box.startFake()).code).toBe(0);
    await box.session(["say", "!escapes"]);
    const json = join(dir, "talk.json");
    expect((await box.session(["end", "--transcript", json, "--json"])).code).toBe(0);
    const raw = readFileSync(json, "utf8");
    expect(raw).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(raw).events.at(-1).text).toBe(ESCAPES_REPLY);
  });
});

describe("escapes in the agent's log", () => {
  test("logs: the agent's own escape sequences (colors, a title) removed, any other control shown", async () => {
    await box.session(["say", "!escapes"]);
    const logs = await box.session(["logs", "-n", "2"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).not.toMatch(RAW_CONTROL);
    expect(logs.stdout).toContain("fake-agent: colored cr\\x0dhere bell\\x07\n");
  });

  test("logs --json keeps each line exactly", async () => {
    await box.session(["say", "!escapes"]);
    const logs = await box.session(["logs", "--json", "-n", "1"]);
    expect(logs.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(logs.stdout.split("\n")[0] as string).line).toBe(`fake-agent: ${ESCAPES_LOG}`);
  });
});
