// Issue 19 items 4 to 6 through dist/lk with the real Python echo agent: the times the agent recorded
// in history, turn numbers on say/listen/replay events, a replay's per-turn events and tool errors,
// greeting checks (replay files with --fresh, scenarios), and a transcript that spans a restart. The
// turn numbers are one count: the events', the log's markers' and the history's agree, per run.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, REPO, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { ECHO_GREETING, PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
const NO_GREETING = { ECHO_AGENT_NO_GREETING: "1" };
type Json = Record<string, unknown>;

afterAll(cleanupAll);
beforeAll(() => requireInstalled(PYTHON_AGENT));

let box: Sandbox;
afterEach(async () => {
  await box?.cleanup();
});

/** `lk agent session ARGS --port N` from the Python agent's folder. */
const lk = (args: string[], env: Record<string, string> = {}) =>
  box.session(args, { cwd: PYTHON_AGENT.dir, env });

function lines(run: RunResult): Json[] {
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Json);
}

/** The one result line, checked to be the last and only one. */
function result(run: RunResult): Json {
  const all = lines(run);
  expect(all.filter((l) => l.kind === "result")).toHaveLength(1);
  return all.at(-1) as Json;
}

const events = (r: Json | undefined) => (r?.events ?? []) as Json[];

/** The log lines of a `logs --json` run. */
const logLines = (run: RunResult) => lines(run).filter((l) => l.kind === "log");

/** No restart leaves a file behind for the next: the daemon keeps the earlier runs itself. */
function noHandOverFiles(): void {
  expect(readdirSync(box.stateDir).filter((name) => /^runs-/.test(name))).toEqual([]);
}

/** The real Python echo agent in a folder of its own (a copy to break), its installed venv linked in. */
function copyOfPythonAgent(): string {
  const dir = tempDir("lk-py-edit-");
  for (const name of ["agent.py", "requirements.txt"])
    copyFileSync(join(PYTHON_AGENT.dir, name), join(dir, name));
  symlinkSync(join(PYTHON_AGENT.dir, ".venv"), join(dir, ".venv"), "dir");
  return dir;
}

/** Breaks the copy's agent.py (a syntax error); the returned function puts it back. */
function breakAgent(dir: string): () => void {
  const path = join(dir, "agent.py");
  const source = readFileSync(path, "utf8");
  writeFileSync(path, `${source}\ndef broken(:\n`);
  return () => writeFileSync(path, source);
}

function file(name: string, text: string): string {
  const path = join(tempDir("lk-turns-"), name);
  writeFileSync(path, text);
  return path;
}

describe("times and turn numbers", () => {
  test(
    "history items carry the agent's own times, different and in order across turns, and their turn",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      const first = await lk(["say", "hello", "--json"]);
      expect(first.code).toBe(0);
      await Bun.sleep(60);
      const second = await lk(["say", "what's the weather in Paris?", "--json"]);
      expect(second.code).toBe(0);
      // Every event of a turn, the lines as they came and the result's, carries its number.
      expect(events(result(first)).map((e) => e.turn)).toEqual(events(result(first)).map(() => 1));
      expect(new Set(events(result(second)).map((e) => e.turn))).toEqual(new Set([2]));
      expect(
        lines(second)
          .filter((l) => l.kind === "event")
          .every((l) => (l.event as Json).turn === 2),
      ).toBe(true);

      const history = result(await lk(["history", "--json"]));
      const items = events(history);
      const users = items.filter((e) => e.type === "message" && e.role === "user");
      expect(users.map((u) => u.text)).toEqual(["hello", "what's the weather in Paris?"]);
      const [hello, weather] = users.map((u) => u.at as number);
      expect(typeof hello).toBe("number");
      expect(weather).toBeGreaterThan(hello as number);
      // Not the time of the query: the items' times differ among themselves.
      expect(new Set(items.map((e) => e.at)).size).toBeGreaterThan(1);
      const times = items.map((e) => e.at as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(items.map((e) => [e.type, e.turn])).toEqual([
        ["handoff", 0],
        ["config", 0],
        ["message", 0],
        ["message", 1],
        ["message", 1],
        ["message", 2],
        ["tool_call", 2],
        ["tool_output", 2],
        ["message", 2],
      ]);
      expect(items[2]).toMatchObject({ role: "assistant", text: ECHO_GREETING });
    },
    SLOW,
  );

  test(
    "listen: output that came after a turn gave up carries the turn it followed",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "hello"])).code).toBe(0);
      // The slow tool takes 1.5 s: the turn gives up first, and the agent's reply comes after it.
      const slow = await lk(["say", "what's the weather slowly in Paris?", "--timeout", "300ms", "--json"]);
      expect(slow.code).toBe(124);
      expect(events(result(slow)).every((e) => e.turn === 2)).toBe(true);
      const heard = result(await lk(["listen", "--timeout", "10s", "--json"]));
      expect(heard.reply).toBe("The weather in Paris is sunny with a temperature of 70 degrees.");
      expect(events(heard).length).toBeGreaterThan(0);
      expect(events(heard).every((e) => e.turn === 2)).toBe(true);
      // The next turn is the third.
      const next = result(await lk(["say", "hello again", "--json"]));
      expect(
        events(next)
          .filter((e) => !e.earlier)
          .every((e) => e.turn === 3),
      ).toBe(true);
    },
    SLOW,
  );

  test(
    "replay --json: each turn's events with their turn numbers, and a failing tool's error text",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      const talk = file("talk.txt", "hello\n? hello\nthis is broken\n? /sorry/i\n");
      const run = await lk(["replay", talk, "--json"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      const turns = result(run).turns as Json[];
      expect(turns.map((t) => [t.turn, t.ok, t.toolErrors])).toEqual([
        [1, true, []],
        [
          2,
          true,
          [
            {
              name: "check_inventory",
              output: "An internal error occurred",
              error: "inventory service unavailable",
            },
          ],
        ],
      ]);
      expect(events(turns[1]).map((e) => e.type)).toContain("tool_output");
      expect(new Set(events(turns[0]).map((e) => e.turn))).toEqual(new Set([1]));
      expect(new Set(events(turns[1]).map((e) => e.turn))).toEqual(new Set([2]));
    },
    SLOW,
  );
});

describe("one turn count", () => {
  test(
    "events' turn, the log's turn markers and history's turns agree, and count from 1 again after a restart",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "hello"])).code).toBe(0);
      // A failing tool writes a traceback: log lines the turn's events and the log both have.
      const second = await lk(["say", "this is broken", "--logs", "--json"]);
      expect(second.code).toBe(0);
      const said = events(result(second)).filter((e) => e.type === "log" && !e.earlier);
      expect(said.some((e) => String(e.line).includes("inventory service unavailable"))).toBe(true);
      expect(new Set(said.map((e) => e.turn))).toEqual(new Set([2]));
      const turn2 = logLines(await lk(["logs", "--turn", "2", "--json"]));
      expect(turn2[0]).toMatchObject({ stream: "lk", line: '── turn 2: "this is broken" ──', turn: 2 });
      expect(new Set(turn2.map((l) => l.turn))).toEqual(new Set([2]));
      // The same lines (the log keeps the agent's colors; events carry them without).
      const plain = (l: Json) => Bun.stripANSI(String(l.line));
      for (const e of said) expect(turn2.map(plain)).toContain(plain(e));
      const users = (h: Json) => events(h).filter((e) => e.type === "message" && e.role === "user");
      const before = result(await lk(["history", "--json"]));
      expect(users(before).map((e) => [e.text, e.turn])).toEqual([
        ["hello", 1],
        ["this is broken", 2],
      ]);

      // The restarted agent's first turn is turn 1 everywhere: its events, its log's marker, its history.
      expect((await lk(["restart"])).code).toBe(0);
      const first = await lk(["say", "this is broken", "--logs", "--json"]);
      expect(first.code).toBe(0);
      const again = events(result(first)).filter((e) => !e.earlier);
      expect(new Set(again.map((e) => e.turn))).toEqual(new Set([1]));
      const last = lines(await lk(["logs", "--last-turn", "--json"]));
      expect(last.at(-1)).toMatchObject({ kind: "result", ok: true, turn: 1 });
      const turn1 = last.filter((l) => l.kind === "log");
      expect(turn1[0]).toMatchObject({ line: '── turn 1: "this is broken" ──', turn: 1 });
      for (const e of again.filter((e) => e.type === "log")) expect(turn1.map(plain)).toContain(plain(e));
      // The run before keeps its own numbers.
      const previous = logLines(await lk(["logs", "--run", "previous", "--turn", "2", "--json"]));
      expect(previous[0]).toMatchObject({ line: '── turn 2: "this is broken" ──', turn: 2 });
      const after = result(await lk(["history", "--json"]));
      expect(users(after).map((e) => [e.text, e.turn])).toEqual([["this is broken", 1]]);
      noHandOverFiles();
    },
    SLOW,
  );
});

describe("greeting checks", () => {
  test(
    "replay --fresh: a restarted agent, its greeting checked before the first turn; a mismatch exits 2",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "hello"])).code).toBe(0);
      const pass = file("greet.txt", "# the greeting first\n? /hello/i\n?! error\nhello\n? hello\n");
      const run = await lk(["replay", pass, "--fresh", "--json"]);
      expect(run.code).toBe(0);
      const r = result(run);
      expect(r.greeting).toMatchObject({ line: 2, source: "start", text: ECHO_GREETING, ok: true });
      // A clean conversation: the file's first turn is the new agent's first.
      expect(
        (r.turns as Json[]).map((t) => (t.events as Json[]).find((e) => e.type === "message")?.turn),
      ).toEqual([1]);
      expect((r.restarted as Json).agentPid).not.toBe(undefined);

      const fail = file("wrong.txt", "? /goodbye/i\nhello\n");
      const wrong = await lk(["replay", fail, "--fresh"]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(
        "greeting (line 1): expectation failed: the agent's greeting did not match",
      );
      expect(wrong.stderr).toContain("- expected to match: /goodbye/i");
      expect(wrong.stderr).toContain(`+ the agent greeted:\n      ${ECHO_GREETING}`);
      // Stopped at the greeting: the turn was not sent.
      const history = result(await lk(["history", "--json"]));
      expect(events(history).some((e) => e.role === "user")).toBe(false);
    },
    SLOW,
  );

  test(
    "replay --fresh: the environment recorded at start, whatever the shell; a restart that fails fails the replay, the session stays up",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfPythonAgent();
      // Only start's --env gives the variable: every command after runs from a shell without it.
      const here = (args: string[]) =>
        box.session(args, { cwd: dir, env: { ECHO_AGENT_NO_GREETING: undefined } });
      const start = await box.session(["start", "agent.py", "--env", "ECHO_AGENT_NO_GREETING=1"], {
        cwd: dir,
      });
      expect(start.code).toBe(0);
      const talk = file("talk.txt", "hello\n? hello\n");
      const kept = await here(["replay", talk, "--fresh", "--json"]);
      expect(kept.code).toBe(0);
      const restarted = result(kept).restarted as Json;
      expect(restarted).toMatchObject({ port: box.port, env: { ECHO_AGENT_NO_GREETING: "1" } });
      // No greeting: the variable reached the restarted agent.
      expect((restarted.greeting as Json[]).filter((e) => e.type === "message")).toEqual([]);

      breakAgent(dir);
      const failed = await here(["replay", talk, "--fresh", "--json"]);
      expect(failed.code).toBe(1);
      expect(lines(failed)).toHaveLength(1);
      const r = result(failed);
      expect(r).toMatchObject({ ok: false, exitCode: 1 });
      expect(r.error).toBe(
        "replay --fresh: no turn was run: could not restart the agent: the agent exited with code 1 before connecting",
      );
      const text = await here(["replay", talk, "--fresh"]);
      expect(text.code).toBe(1);
      expect(text.stderr).toContain("SyntaxError: invalid syntax");
      expect(text.stderr).toContain(
        `the session is still up, on the same port, without an agent: fix it, then run \`lk agent session restart --port ${box.port}\` again`,
      );
      const status = await here(["status"]);
      expect(status.code).toBe(1);
      expect(status.stdout).toStartWith(`● Session on 127.0.0.1:${box.port}: the agent is down\n`);
      expect(await portIsFree(box.port)).toBe(false);
    },
    SLOW,
  );

  test(
    "an agent that does not greet fails a greeting check, clearly, with and without --fresh",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"], NO_GREETING)).code).toBe(0);
      const talk = file("greet.txt", "? /hello/i\nhello\n");
      const plain = await lk(["replay", talk, "--json"], NO_GREETING);
      expect(plain.code).toBe(2);
      expect(result(plain)).toMatchObject({
        error: "greeting (line 1): expectation failed: the agent did not greet",
        greeting: { source: "history", text: null, ok: false },
      });
      const fresh = await lk(["replay", talk, "--fresh"], NO_GREETING);
      expect(fresh.code).toBe(2);
      expect(fresh.stderr).toContain("the agent did not greet");
      expect(fresh.stderr).toContain("+ the agent said nothing on its own before the first turn");
    },
    SLOW,
  );

  test(
    "a scenario's greeting: checked in each fresh run; a mismatch fails it at the greeting (exit 2)",
    async () => {
      box = await Sandbox.create();
      const dir = tempDir("lk-greeting-scenarios-");
      const agent = join(PYTHON_AGENT.dir, PYTHON_AGENT.entry);
      const scenario = (greeting: string) =>
        [`agent: ${JSON.stringify(agent)}`, `greeting: ${greeting}`, "turns:", "  - user: hello", ""].join(
          "\n",
        );
      writeFileSync(join(dir, "a-pass.lktest.yaml"), scenario("[/hello/i, { not: error }]"));
      writeFileSync(join(dir, "b-fail.lktest.yaml"), scenario("/goodbye/"));
      const run = await box.lk(["agent", "session", "test", dir, "--jobs", "2"], { cwd: REPO });
      expect(run.code).toBe(2);
      expect(run.stdout).toContain("✓ a-pass");
      expect(run.stdout).toMatch(/✗ b-fail .* failed at the greeting/);
      expect(run.stdout).toContain("greeting (line 2)");
      expect(run.stdout).toContain("expectation failed: the agent's greeting did not match");
      expect(run.stdout).toContain(`+ the agent greeted:\n          ${ECHO_GREETING}`);
    },
    SLOW,
  );
});

describe("the transcript", () => {
  test(
    "end --transcript spans a restart: both runs' turns, the restart marked between them",
    async () => {
      box = await Sandbox.create();
      expect((await lk(["start"])).code).toBe(0);
      expect((await lk(["say", "before the restart"])).code).toBe(0);
      const restart = await lk(["restart", "--json"]);
      expect(restart.code).toBe(0);
      // restart --json names the agent as its text does ("Restarting Python agent (agent.py in …)").
      expect(result(restart).agent).toMatchObject({
        label: "Python",
        entry: "agent.py",
        root: PYTHON_AGENT.dir,
      });
      expect((await lk(["say", "what's the weather in Paris?"])).code).toBe(0);
      const path = join(tempDir("lk-transcript-"), "talk.md");
      const end = await lk(["end", "--transcript", path]);
      expect(end.code).toBe(0);
      const text = readFileSync(path, "utf8");
      expect(text).toContain("- restarts: 1 (each marked below)");
      const at = (needle: string) => text.indexOf(needle);
      expect(at("**You:** before the restart")).toBeGreaterThan(-1);
      expect(at("the agent restarted")).toBeGreaterThan(at("**You:** before the restart"));
      expect(at("**You:** what's the weather in Paris?")).toBeGreaterThan(at("the agent restarted"));
      // Each run's greeting is there, one on each side of the marker.
      expect(text.split(`**Agent:** ${ECHO_GREETING}`)).toHaveLength(3);
      expect(at("The weather in Paris is sunny")).toBeGreaterThan(at("the agent restarted"));
      noHandOverFiles();
    },
    SLOW,
  );

  test(
    "a restart that fails adds no run: the transcript has the runs that had an agent, a marker between",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfPythonAgent();
      const here = (args: string[]) => box.session(args, { cwd: dir });
      expect((await here(["start", "agent.py"])).code).toBe(0);
      expect((await here(["say", "in the first run"])).code).toBe(0);
      const fix = breakAgent(dir);
      expect((await here(["restart"])).code).toBe(1);
      fix();
      expect((await here(["restart"])).code).toBe(0);
      expect((await here(["say", "in the third run"])).code).toBe(0);
      noHandOverFiles();
      const path = join(tempDir("lk-transcript-"), "talk.json");
      const end = await here(["end", "--transcript", path, "--json"]);
      expect(end.code).toBe(0);
      const written = JSON.parse(readFileSync(path, "utf8")) as { restarts: number; events: Json[] };
      const said = written.events.flatMap((e) =>
        e.type === "restart" ? ["restart"] : e.type === "message" && e.role === "user" ? [e.text] : [],
      );
      expect(said).toEqual(["in the first run", "restart", "in the third run"]);
      expect(written.restarts).toBe(1);
      const marker = written.events.find((e) => e.type === "restart") as Json;
      expect(marker).toMatchObject({ turn: null });
      expect(marker.unread).toBeUndefined();
      // History items keep their own run's turns: 1 on each side of the marker.
      expect(
        written.events.filter((e) => e.type === "message" && e.role === "user").map((e) => e.turn),
      ).toEqual([1, 1]);
    },
    SLOW,
  );

  test(
    "an agent that does not give its history is restarted anyway: its run is missing from the transcript, the marker says why",
    async () => {
      box = await Sandbox.create();
      // Only the first agent hangs when asked for its history (the restart's --env changes it).
      expect((await box.startFake({}, ["--env", "FAKE_HISTORY=hang"])).code).toBe(0);
      expect((await box.session(["say", "lost with its agent"])).code).toBe(0);
      const restart = await box.session(["restart", "--env", "FAKE_HISTORY=answer"]);
      expect(restart.code).toBe(0);
      expect(restart.stderr).toContain(
        "note: the old agent did not give its conversation (the agent did not answer in time): the transcript of `end --transcript` misses that run\n",
      );
      expect((await box.session(["say", "kept in the new run"])).code).toBe(0);
      const path = join(tempDir("lk-transcript-"), "talk.md");
      const end = await box.session(["end", "--transcript", path]);
      expect(end.code).toBe(0);
      const text = readFileSync(path, "utf8");
      expect(text).not.toContain("lost with its agent");
      expect(text).toContain("- restarts: 1 (each marked below)");
      expect(text).toContain(
        "*(the conversation before this restart is missing: the agent did not give it: the agent did not answer in time)*",
      );
      expect(text.indexOf("**You:** kept in the new run")).toBeGreaterThan(text.indexOf("is missing"));
      noHandOverFiles();
    },
    SLOW,
  );

  test(
    "end --transcript while a failed restart left the agent down: the runs before it, then the marker",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfPythonAgent();
      const here = (args: string[]) => box.session(args, { cwd: dir });
      expect((await here(["start", "agent.py"])).code).toBe(0);
      expect((await here(["say", "before the broken edit"])).code).toBe(0);
      breakAgent(dir);
      expect((await here(["restart"])).code).toBe(1);
      // Down: the agent's own history is refused, the transcript is not.
      expect((await here(["history"])).code).toBe(1);
      const path = join(tempDir("lk-transcript-"), "down.md");
      const end = await here(["end", "--transcript", path]);
      expect(end.code).toBe(0);
      expect(end.stdout).toContain("Session ended.");
      const text = readFileSync(path, "utf8");
      expect(text).toContain("- restarts: 1 (each marked below)");
      expect(text.indexOf("**You:** before the broken edit")).toBeGreaterThan(-1);
      expect(text.indexOf("the agent restarted")).toBeGreaterThan(text.indexOf("before the broken edit"));
      expect(await portIsFree(box.port)).toBe(true);
    },
    SLOW,
  );
});
