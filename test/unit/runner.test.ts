// The one runner, with the real command declarations and fake IO: argument errors and unknown commands
// are ordinary results (one JSON line with --json, nothing on stderr), help is plain and complete.

import { describe, expect, test } from "bun:test";
import { helpNotes } from "../../src/cli/help.ts";
import { type App, type CommandGroup, execute, interrupted } from "../../src/cli/runner.ts";
import type { CommandIO } from "../../src/commands/_shared.ts";
import { Reporter } from "../../src/render/reporter.ts";
import { env, fake } from "../helpers/fake-session.ts";

const NAMES = ["start", "say", "end", "status", "logs", "history", "listen", "restart", "replay"] as const;

const session: CommandGroup<CommandIO> = {
  name: "session",
  description: "Drive an agent in text mode",
  children: Object.fromEntries(
    [...NAMES, "daemon"].map((name) => [
      name,
      () => import(`../../src/commands/${name}.ts`).then((m) => m.default),
    ]),
  ),
  aliases: { stop: "end", "chat-history": "history", transcript: "history" },
  hidden: ["daemon"],
};
// As in src/main.ts: the official CLI's names for the group, one of them hidden.
const agent: CommandGroup<CommandIO> = {
  name: "agent",
  description: "Work with LiveKit agents",
  children: { session },
  aliases: { debugger: "session", dbg: "session", daemon: "session" },
  hidden: ["daemon"],
};
const root: CommandGroup<CommandIO> = {
  name: "lk",
  description: "LiveKit agent sessions",
  children: { agent },
};

async function run(args: string[]) {
  let out = "";
  let err = "";
  const streams = { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) } };
  let ran = false;
  const app: App<CommandIO> = {
    root,
    version: "9.9.9",
    env: env(),
    streams,
    io: async (reporter) => {
      ran = true;
      return { ...fake({ command: reporter.command }).io, reporter };
    },
  };
  const code = await execute(args, app);
  return { code, out, err, ran };
}

const lk = (...args: string[]) => run(["agent", "session", ...args]);

/** The one result line; `extra`: the fields the command has in every result (say: text, reply, events). */
function oneResultLine(out: string, extra: string[] = []): Record<string, unknown> {
  const lines = out.trim().split("\n");
  expect(lines).toHaveLength(1);
  const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(result).toMatchObject({ v: 1, kind: "result", ok: false, exitCode: 1 });
  expect(Object.keys(result)).toEqual([
    "v",
    "kind",
    "command",
    "ok",
    "exitCode",
    "error",
    "detail",
    "durationMs",
    ...extra,
  ]);
  return result;
}

describe("argument errors are results", () => {
  for (const [label, args, error] of [
    ["replay without its file", ["replay", "--json"], "missing FILE for `lk agent session replay`"],
    ["an unknown command", ["nosuch", "--json"], 'unknown command "nosuch" for `lk agent session`'],
    ["--expect swallowing --json", ["say", "hi", "--expect", "--json"], "--expect needs a value"],
    ["an unknown option", ["status", "--bogus", "--json"], "unknown option --bogus"],
  ] as const) {
    test(`${label}: one JSON line, nothing on stderr, exit 1, the help hint`, async () => {
      const r = await lk(...args);
      expect(r.code).toBe(1);
      expect(r.err).toBe("");
      const result = oneResultLine(r.out, args[0] === "say" ? ["text", "reply", "events", "dropped"] : []);
      expect(result.error as string).toStartWith(error);
      // Before say has its text, it is "": the fields are there, empty.
      if (args[0] === "say") expect(result).toMatchObject({ text: "", reply: "", events: [], dropped: 0 });
      expect((result.detail as string[]).at(-1)).toEndWith("--help");
      expect(r.ran).toBe(false);
    });
  }

  test("without --json: the message and the hint on stderr, nothing on stdout", async () => {
    const r = await lk("say", "hi", "--expects", "sunny");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "unknown option --expects for `lk agent session say`\n  did you mean --expect?\n  see: lk agent session say --help\n",
    );
  });

  test("no command, or options before it", async () => {
    expect((await lk()).err).toContain("`lk agent session` needs a command");
    expect((await lk()).err).toContain("commands: start, say, end (stop), status");
    expect((await lk()).err).not.toContain("daemon");
    const early = await lk("--json", "say");
    expect(JSON.parse(early.out).error).toBe("unknown option --json for `lk agent session`");
  });

  test("stop is end", async () => {
    const r = await lk("stop", "--json");
    expect(JSON.parse(r.out.trim())).toMatchObject({ command: "end", ok: true });
  });
});

describe("the official CLI's names", () => {
  test("debugger, dbg and the hidden daemon are the session group; chat-history and transcript are history", async () => {
    for (const group of ["debugger", "dbg", "daemon"]) {
      const r = await run(["agent", group, "stop", "--json"]);
      expect(JSON.parse(r.out.trim())).toMatchObject({ command: "end", ok: true });
    }
    for (const verb of ["chat-history", "transcript"]) {
      const r = await run(["agent", "dbg", verb, "--json"]);
      expect(JSON.parse(r.out.trim())).toMatchObject({ command: "history", ok: true });
    }
  });

  test("help names the canonical path and lists the other names, never the hidden one", async () => {
    const top = (await run(["agent", "--help"])).out;
    expect(top).toContain("session, debugger, dbg ");
    expect(top).not.toContain("daemon");
    const group = (await run(["agent", "daemon", "--help"])).out;
    expect(group).toStartWith("USAGE lk agent session <command>");
    expect(group).toContain("Also: lk agent debugger, lk agent dbg\n");
    expect(group).toContain("history, chat-history, transcript ");
    const history = (await run(["agent", "debugger", "transcript", "--help"])).out;
    expect(history).toStartWith("USAGE lk agent session history");
    expect(history).toContain("Also: lk agent session chat-history, lk agent session transcript\n");
    const unknown = await run(["agent", "dbg", "nosuch"]);
    expect(unknown.err).toContain("history (chat-history, transcript)");
  });

  test("a name that is only a property of every object is no command", async () => {
    const r = await run(["agent", "constructor", "--json"]);
    expect(JSON.parse(r.out.trim()).error).toBe('unknown command "constructor" for `lk agent`');
  });

  test("logs takes --last, its short -n and its old name --lines", async () => {
    const logs = await import("../../src/commands/logs.ts").then((m) => m.default);
    for (const flag of ["--last", "-n", "--lines"])
      expect(logs.parse([flag, "40"], env())).toMatchObject({ lines: 40 });
    expect(() => logs.parse(["--last", "x"], env())).toThrow('--last must be a whole number (got "x")');
    const help = (await lk("logs", "--help")).out;
    expect(help).toContain("-n, --last=<N>");
    expect(help).toContain("; also --lines");
    expect(help).not.toContain(" -lines");
  });
});

describe("help", () => {
  test("help alone is enough: replay's file syntax, say's stdin and exit codes (issue 19 item 7)", async () => {
    const replay = (await lk("replay", "--help")).out;
    for (const part of [
      "FILE FORMAT\n",
      "? PATTERN ",
      "?! PATTERN ",
      "/regex/flags",
      "A line ending in \\ goes on on the next line",
      "lines starting with # are comments",
      "before the first turn check the greeting",
      "--fresh",
      "EXIT CODES\n",
      "  2    an expectation (or the greeting check) did not hold",
    ])
      expect(replay).toContain(part);
    // The options come first, then the sections, then the examples.
    expect(replay.indexOf("OPTIONS")).toBeLessThan(replay.indexOf("FILE FORMAT"));
    expect(replay.indexOf("FILE FORMAT")).toBeLessThan(replay.indexOf("EXAMPLES"));
    const say = (await lk("say", "--help")).out;
    for (const part of [
      "THE TEXT\n",
      "`-` instead reads the whole turn from stdin",
      "| lk agent session say",
      "EXIT CODES\n",
    ])
      expect(say).toContain(part);
    for (const code of ["0 ", "1 ", "2 ", "124", "130"]) expect(say).toContain(`\n  ${code}`);
  });

  test("one mechanism for sections beyond the flags: start, restart, status, logs, replay and say render theirs", async () => {
    const sections: Record<string, string[]> = {
      start: [
        "NOTES\n",
        "Runtime args:",
        "The interpreter: for a Python agent, uv",
        "else the python of $VIRTUAL_ENV; else a .venv or venv in the project's folder",
        "--runtime node|bun forces one",
        "The agent's environment:",
        "State folder:",
        "LK_SESSION_STATE_DIR",
        "AUDIO MODE\n",
        "restart keeps the mode",
      ],
      restart: ["NOTES\n", "The daemon and its port stay", "the session stays up without an agent"],
      status: ["NOTES\n", "env lists the --env/--env-file overrides", "status.agentDown"],
      logs: ["NOTES\n", "turns count from 1 in each run", "see: lk agent session logs --last-turn"],
      replay: ["FILE FORMAT\n", "EXIT CODES\n", "JSON\n", "a restart counts from 1 again"],
      say: ["THE TEXT\n", "EXIT CODES\n", "JSON\n", "from 1 again after a restart", "AUDIO SESSIONS\n"],
    };
    for (const [name, parts] of Object.entries(sections)) {
      const help = (await lk(name, "--help")).out;
      for (const part of parts) expect(help).toContain(part);
      // After the options, before the examples; a section's lines indented, none past 100 columns.
      const title = (parts[0] as string).trim();
      expect(help.indexOf("OPTIONS")).toBeLessThan(help.indexOf(`\n${title}\n`));
      expect(help.indexOf(`\n${title}\n`)).toBeLessThan(help.indexOf("EXAMPLES"));
      const body = help.slice(help.indexOf(`\n${title}\n`), help.indexOf("EXAMPLES"));
      expect(body.split("\n").filter((l) => l.length > 100)).toEqual([]);
    }
  });

  test("helpNotes: paragraphs wrapped to 98 columns, a blank line between them", () => {
    const section = helpNotes(`${"word ".repeat(30)}end`, "second");
    expect(section.title).toBe("NOTES");
    expect(section.lines.every((l) => l.length <= 98)).toBe(true);
    expect(section.lines.at(-2)).toBe("");
    expect(section.lines.at(-1)).toBe("second");
    expect(section.lines.slice(0, -2).join(" ")).toBe(`${"word ".repeat(30)}end`);
  });

  test("say --help starts with the full USAGE line and shows examples", async () => {
    const r = await lk("say", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toStartWith("USAGE lk agent session say [OPTIONS] [TEXT]\n");
    expect(r.out).toContain("EXAMPLES\n\n  lk agent session say ");
    expect(r.ran).toBe(false);
  });

  test("every page: plain text (the streams are no terminal), no trailing spaces, examples for commands", async () => {
    const pages = [[], ["agent"], ["agent", "session"], ...NAMES.map((n) => ["agent", "session", n])];
    for (const path of pages) {
      const r = await run([...path, "--help"]);
      expect(r.out).toStartWith(`USAGE lk${path.length ? ` ${path.join(" ")}` : ""}`);
      expect(r.out).not.toContain("\x1b[");
      expect(r.out.split("\n").filter((l) => l !== l.trimEnd())).toEqual([]);
      if (path.length === 3) expect(r.out).toContain("EXAMPLES");
      // A description is one line: what more a command says goes in its help sections.
      expect(r.out.split("\n")[3]).toBe("");
    }
  });

  test("start shows where runtime args go; the group lists commands without the hidden daemon", async () => {
    expect((await lk("start", "-h")).out).toStartWith(
      "USAGE lk agent session start [OPTIONS] [ENTRYPOINT] [-- RUNTIME_ARGS]",
    );
    const group = (await lk("--help")).out;
    expect(group).toContain("end, stop");
    expect(group).not.toMatch(/^ *daemon /m);
  });

  test("--help after -- is text, not help", async () => {
    const r = await lk("say", "--", "--help");
    expect(r.ran).toBe(true);
  });

  test("--version", async () => {
    expect(await run(["--version"])).toMatchObject({ code: 0, out: "9.9.9\n" });
  });
});

describe("interrupted", () => {
  test("exit 130 and one result line; after the command's own result, nothing more", () => {
    let out = "";
    const reporter = new Reporter("listen", true, {
      out: { write: (t) => (out += t) },
      err: { write: () => 0 },
    });
    expect(interrupted(reporter)).toBe(130);
    expect(JSON.parse(out.trim())).toMatchObject({ ok: false, exitCode: 130, error: "interrupted" });
    expect(interrupted(reporter)).toBe(130);
    expect(out.trim().split("\n")).toHaveLength(1);

    out = "";
    const done = new Reporter("listen", true, { out: { write: (t) => (out += t) }, err: { write: () => 0 } });
    done.finish(0);
    expect(interrupted(done)).toBe(0);
    expect(out.trim().split("\n")).toHaveLength(1);
  });
});
