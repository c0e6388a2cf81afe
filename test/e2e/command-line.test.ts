// The command line as a program sees it, through dist/lk: argument errors as one JSON result line,
// help pages, and Ctrl-C.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { LK, REPO, Sandbox } from "../helpers/lk.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});

const COMMANDS = [
  "start",
  "say",
  "end",
  "status",
  "logs",
  "history",
  "listen",
  "restart",
  "replay",
  "events",
];

describe("argument errors under --json", () => {
  for (const args of [
    ["replay", "--json"],
    ["nosuch", "--json"],
    ["say", "hi", "--expect", "--json"],
  ]) {
    test(`lk agent session ${args.join(" ")}: one JSON result line, nothing on stderr, exit 1`, async () => {
      const run = await box.lk(["agent", "session", ...args]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe("");
      const lines = run.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const result = JSON.parse(lines[0] as string);
      expect(result).toMatchObject({ v: 1, kind: "result", ok: false, exitCode: 1 });
      expect(typeof result.error).toBe("string");
      expect(result.detail.at(-1)).toMatch(/^see: lk agent session( \w+)? --help$/);
      expect(typeof result.durationMs).toBe("number");
    });
  }
});

describe("help", () => {
  test("say --help starts with its full USAGE line and shows an example", async () => {
    const run = await box.lk(["agent", "session", "say", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toStartWith("USAGE lk agent session say [OPTIONS] [TEXT]\n");
    expect(run.stdout).toMatch(/\nEXAMPLES\n\n {2}lk agent session say "/);
  });

  test("no line of any help page ends in a space", async () => {
    const pages = [[], ["agent"], ["agent", "session"], ...COMMANDS.map((c) => ["agent", "session", c])];
    for (const page of pages) {
      const run = await box.lk([...page, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toStartWith(`USAGE ${["lk", ...page].join(" ")}`);
      expect(run.stdout.split("\n").filter((line) => / $/.test(line))).toEqual([]);
    }
  });
});

describe("Ctrl-C", () => {
  /** Spawns `lk agent session ARGS --port N`, waits for `marker` on stdout, sends SIGINT, collects the rest. */
  async function interrupt(args: string[], marker: string) {
    const child = Bun.spawn([LK, "agent", "session", ...args, "--port", String(box.port)], {
      cwd: REPO,
      env: box.env() as Record<string, string>,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.getReader();
    let stdout = "";
    while (!stdout.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    return { code: await child.exited, stdout, stderr: await stderr };
  }

  test("logs -f exits 130, having printed what it had", async () => {
    expect((await box.startFake()).code).toBe(0);
    const run = await interrupt(["logs", "-f", "-n", "1"], "\n");
    expect(run.code).toBe(130);
    expect(run.stdout).toContain(`fake-agent: connected to 127.0.0.1:${box.port}`);
    expect(run.stderr).toBe("interrupted\n");
  });

  test("a say in the middle of a turn, under --json: exit 130 and exactly one result line", async () => {
    expect((await box.startFake()).code).toBe(0);
    const run = await interrupt(["say", "!slow 10000 wait", "--json"], '"kind":"event"');
    expect(run.code).toBe(130);
    expect(run.stderr).toBe("");
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const results = lines.filter((l) => l.kind === "result");
    expect(results).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({
      kind: "result",
      command: "say",
      ok: false,
      exitCode: 130,
      error: "interrupted",
    });
    // The session is still there for the next command.
    expect((await box.session(["status"])).code).toBe(0);
  });
});
