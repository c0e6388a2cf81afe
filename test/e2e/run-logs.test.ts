// Issue 19 item 3, logs that tell the story of a turn: through dist/lk with the real Python echo
// agent, turn markers and millisecond stamps in its log, a failing tool's turn read back whole,
// the previous run kept across a restart, what `end` and `end --clean` leave; a failed start's log;
// and (the fake agent, which starts fast) how many runs a port keeps.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { localIsoTime } from "../../src/protocol/agent-log.ts";
import { cleanupAll, type RunResult, Sandbox } from "../helpers/lk.ts";
import { PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 180_000;
afterAll(cleanupAll);

/** A line of the agent log: local time to the millisecond with its offset, the stream's tag, the text. */
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d\d:\d\d)) (out|err|lk ) (.*)$/s;
const TAGS: Record<string, string> = { out: "stdout", err: "stderr", "lk ": "lk" };

interface FileLine {
  at: string;
  tag: string;
  text: string;
}

/** The file's lines, each checked for its form. */
function fileLines(path: string): FileLine[] {
  const lines = readFileSync(path, "utf8").split("\n");
  expect(lines.pop()).toBe("");
  return lines.map((line) => {
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a stamped log line: ${JSON.stringify(line)}`);
    return { at: m[1] as string, tag: m[2] as string, text: m[3] as string };
  });
}

const markers = (lines: FileLine[]) => lines.filter((l) => l.tag === "lk ").map((l) => l.text);

/** The lines from turn N's marker up to the next marker, read from the file by the test itself. */
function sliceOfTurn(lines: FileLine[], turn: number): FileLine[] {
  const start = lines.findIndex((l) => l.tag === "lk " && l.text.startsWith(`── turn ${turn}: `));
  expect(start).toBeGreaterThan(-1);
  const next = lines.findIndex((l, i) => i > start && l.tag === "lk ");
  return lines.slice(start, next === -1 ? undefined : next);
}

function jsonOut(run: RunResult): Record<string, unknown>[] {
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the real Python echo agent's log, turn by turn", () => {
  let box: Sandbox;
  const lk = (args: string[]) => box.session(args, { cwd: PYTHON_AGENT.dir });
  const agentLog = () => join(box.stateDir, `session-${box.port}.agent.log`);
  const previousLog = () => join(box.stateDir, `session-${box.port}.agent.prev-1.log`);
  const hint = () => `lk agent session logs --port ${box.port}`;

  beforeAll(async () => {
    requireInstalled(PYTHON_AGENT);
    box = await Sandbox.create();
    const start = await lk(["start", "agent.py"]);
    expect(start.code).toBe(0);
  }, SLOW);
  afterAll(async () => {
    await box?.cleanup();
  });

  test(
    "a marker as each turn is sent, in order, with its text; the agent's lines of a turn follow its marker; every line stamped to the ms",
    async () => {
      expect((await lk(["say", "hello there"])).code).toBe(0);
      expect((await lk(["say", 'what "time" is it?'])).code).toBe(0);

      const lines = fileLines(agentLog());
      expect(markers(lines)).toEqual([
        "── run 1 (start): agent.py ──",
        '── turn 1: "hello there" ──',
        '── turn 2: "what \\"time\\" is it?" ──',
      ]);
      // The agent's own record of turn 1's text comes after its marker, before turn 2's.
      const heard = lines.findIndex((l) => l.tag !== "lk " && l.text.includes('"hello there"'));
      const turn1 = lines.findIndex((l) => l.text.startsWith("── turn 1: "));
      const turn2 = lines.findIndex((l) => l.text.startsWith("── turn 2: "));
      expect(turn1).toBeLessThan(heard);
      expect(heard).toBeLessThan(turn2);
      // The stamps never go backwards.
      const times = lines.map((l) => Date.parse(l.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));

      // `logs` prints the lines as the file has them, stamps and markers included.
      const logs = await lk(["logs", "-n", "1000"]);
      expect(logs.code).toBe(0);
      const printed = logs.stdout.trimEnd().split("\n");
      for (const line of printed) expect(line).toMatch(LINE);
      expect(printed.filter((l) => l.includes(" lk  ── "))).toHaveLength(3);

      // --json: at (ms), stream, the line, and the turn from its marker on.
      const json = jsonOut(await lk(["logs", "-n", "1000", "--json"]));
      const logLines = json.filter((l) => l.kind === "log");
      // Read again: the agent may have written more since (none of it before turn 2's end).
      const now = fileLines(agentLog());
      expect(logLines.length).toBeGreaterThanOrEqual(lines.length);
      expect(logLines.length).toBeLessThanOrEqual(now.length);
      logLines.forEach((l, i) => {
        const file = now[i] as FileLine;
        expect(l.at).toBe(Date.parse(file.at));
        expect(l.stream).toBe(TAGS[file.tag]);
        expect(l.line).toBe(file.text);
        expect(l.turn).toBe(i < turn1 ? undefined : i < turn2 ? 1 : 2);
      });
      expect(json.at(-1)).toMatchObject({ kind: "result", ok: true, path: agentLog(), run: 0 });
    },
    SLOW,
  );

  test(
    "a failing tool: say points at the turn's log (text and --json); --last-turn and --turn N give exactly that turn's lines",
    async () => {
      const say = await lk(["say", "check the inventory, it is broken"]);
      expect(say.code).toBe(0);
      expect(say.stdout).toContain("✗ An internal error occurred (inventory service unavailable)");
      expect(say.stdout).toContain(`  see: ${hint()} --last-turn\n`);
      const sayJson = jsonOut(await lk(["say", "this will fail", "--json"])).at(-1);
      expect(sayJson).toMatchObject({ kind: "result", ok: true, see: `${hint()} --last-turn` });
      // A turn whose tools all worked gets no hint.
      const fine = await lk(["say", "what's the weather in Paris?", "--json"]);
      expect(jsonOut(fine).at(-1)?.see).toBeUndefined();
      expect((await lk(["say", "what's the weather in Paris?"])).stdout).not.toContain("see:");
      // With --fail-on-tool-error the hint is the failure's last line.
      const failing = await lk(["say", "this will fail", "--fail-on-tool-error"]);
      expect(failing.code).toBe(2);
      expect(failing.stderr.trimEnd().split("\n").at(-1)).toBe(`  see: ${hint()} --last-turn`);

      const lines = fileLines(agentLog());
      const last = sliceOfTurn(lines, 7);
      expect(last[0]?.text).toBe('── turn 7: "this will fail" ──');
      expect(last.some((l) => l.text.includes("RuntimeError: inventory service unavailable"))).toBe(true);
      const lastTurn = await lk(["logs", "--last-turn"]);
      expect(lastTurn.code).toBe(0);
      expect(lastTurn.stdout).toContain("Traceback (most recent call last):");
      expect(lastTurn.stdout).not.toContain("turn 6:");
      const asJson = jsonOut(await lk(["logs", "--last-turn", "--json"]));
      expect(asJson.filter((l) => l.kind === "log").map((l) => [l.line, l.turn])).toEqual(
        last.map((l) => [l.text, 7]),
      );
      expect(asJson.at(-1)).toMatchObject({ kind: "result", ok: true, turn: 7 });

      const second = jsonOut(await lk(["logs", "--turn", "2", "--json"])).filter((l) => l.kind === "log");
      expect(second.map((l) => l.line)).toEqual(sliceOfTurn(lines, 2).map((l) => l.text));
      expect(second[0]?.line).toBe('── turn 2: "what \\"time\\" is it?" ──');

      const unknown = await lk(["logs", "--turn", "9"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toStartWith("turn 9 is not in the log of the last run\n  its turns: 1–7\n");
      const unknownJson = jsonOut(await lk(["logs", "--turn", "9", "--json"]));
      expect(unknownJson).toHaveLength(1);
      expect(unknownJson[0]).toMatchObject({ kind: "result", ok: false, exitCode: 1 });
    },
    SLOW,
  );

  test(
    "restart (in the daemon): the previous run is kept, ended as restarted, and `logs --run previous` shows it; the new run's log begins with its marker",
    async () => {
      const restart = await lk(["restart"]);
      expect(restart.code).toBe(0);
      expect(markers(fileLines(agentLog()))[0]).toBe("── run 2 (restart): agent.py ──");
      expect(readFileSync(agentLog(), "utf8")).not.toContain("this will fail");
      const old = fileLines(previousLog());
      expect(markers(old)[0]).toBe("── run 1 (start): agent.py ──");
      expect(markers(old).at(-1)).toBe("── run 1 ended: restarted ──");

      const previous = await lk(["logs", "--run", "previous", "-n", "1000"]);
      expect(previous.code).toBe(0);
      expect(previous.stdout).toContain('── turn 7: "this will fail" ──');
      expect(previous.stdout).toContain("RuntimeError: inventory service unavailable");
      expect(previous.stdout.trimEnd().split("\n")).toHaveLength(old.length);
      // Turns count in each run: the old run's turn 2, read back by name.
      const oldTurn = await lk(["logs", "--run", "1", "--turn", "2"]);
      // The file's stamp is UTC; logs shows the same instant in local time.
      const stamp = old.find((l) => l.text.startsWith("── turn 2: "))?.at as string;
      expect(stamp).toEndWith("Z");
      expect(oldTurn.stdout).toStartWith(`${localIsoTime(Date.parse(stamp))} lk  ── turn 2: `);
      expect((await lk(["say", "hello again"])).code).toBe(0);
      expect((await lk(["logs", "--last-turn"])).stdout).toContain('── turn 1: "hello again" ──');
    },
    SLOW,
  );

  test(
    "end keeps the logs and says where; they are read once it has ended; end --clean removes them and the ended record, and says so",
    async () => {
      const end = await lk(["end"]);
      expect(end.code).toBe(0);
      expect(end.stdout).toContain(
        `  logs kept:    ${agentLog()}  (lk agent session logs --port ${box.port} --run last to read them)\n`,
      );
      const endedRecord = join(box.stateDir, `session-${box.port}.ended.json`);
      expect(readdirSync(box.stateDir).sort()).toEqual([
        `session-${box.port}.agent.log`,
        `session-${box.port}.agent.prev-1.log`,
        `session-${box.port}.ended.json`,
      ]);
      expect(markers(fileLines(agentLog())).at(-1)).toBe("── run 2 ended: end requested ──");

      const last = await lk(["logs", "--run", "last", "--last-turn"]);
      expect(last.code).toBe(0);
      expect(last.stdout).toContain('── turn 1: "hello again" ──');
      expect(last.stderr).toContain(`note: the session on 127.0.0.1:${box.port} ended at`);
      const all = await lk(["logs", "--run", "all"]);
      const runs = all.stdout.split("\n").filter((l) => / lk {2}── run \d \((start|restart)\)/.test(l));
      expect(runs.map((l) => l.replace(LINE, "$3"))).toEqual([
        "── run 1 (start): agent.py ──",
        "── run 2 (restart): agent.py ──",
      ]);

      const clean = await lk(["end", "--clean"]);
      expect(clean.code).toBe(0);
      // Two logs and the record of how it ended: said as such.
      expect(clean.stdout).toBe(
        `No session was running on 127.0.0.1:${box.port}; removed its logs and ended record (3 files).\n`,
      );
      expect(readdirSync(box.stateDir)).toEqual([]);
      expect(existsSync(endedRecord)).toBe(false);
      // The record of how it ended went too: no session, rather than "ended at".
      for (const args of [["logs"], ["say", "hello?"]]) {
        const none = await lk(args);
        expect(none.code).toBe(1);
        expect(none.stderr).toStartWith(`no session running on 127.0.0.1:${box.port}`);
      }
      // Nothing left to clean: end says there is no session, as without --clean.
      expect((await lk(["end", "--clean"])).stderr).toStartWith(
        `no session running on 127.0.0.1:${box.port}`,
      );
    },
    SLOW,
  );
});

describe("a failed start's log (the real Python echo agent)", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "kept and named in the error, read by logs; the next start moves it back one place; end --clean removes it all",
    async () => {
      const box = await Sandbox.create();
      const lk = (args: string[], env: Record<string, string> = {}) =>
        box.session(args, { cwd: PYTHON_AGENT.dir, env });
      const agentLog = join(box.stateDir, `session-${box.port}.agent.log`);
      try {
        const failed = await lk(["start", "agent.py"], { ECHO_AGENT_CRASH: "import" });
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(
          `  full agent log: ${agentLog} (\`lk agent session logs --port ${box.port}\` reads it, \`lk agent session end --port ${box.port} --clean\` removes it)\n`,
        );
        // Its log, and the daemon's: nothing else.
        expect(readdirSync(box.stateDir).sort()).toEqual([
          `session-${box.port}.agent.log`,
          `session-${box.port}.daemon.log`,
        ]);
        const lines = fileLines(agentLog);
        expect(markers(lines)).toEqual([
          "── run 1 (start): agent.py ──",
          "── run 1 ended: start failed: the agent exited with code 1 before connecting ──",
        ]);
        const logs = await lk(["logs"]);
        expect(logs.code).toBe(0);
        expect(logs.stdout).toContain("RuntimeError: echo agent: crash at import requested");

        expect((await lk(["start", "agent.py"])).code).toBe(0);
        const previous = await lk(["logs", "--run", "previous"]);
        expect(previous.stdout).toContain("RuntimeError: echo agent: crash at import requested");
        expect(readFileSync(agentLog, "utf8")).not.toContain("crash at import");

        const clean = await lk(["end", "--clean"]);
        expect(clean.code).toBe(0);
        expect(clean.stdout).toContain("  logs:         removed (--clean)\n");
        // The ended record the end left is removed too: the next command finds no session at all.
        expect(readdirSync(box.stateDir)).toEqual([]);
        const after = await lk(["status"]);
        expect(after.code).toBe(1);
        expect(after.stderr).toStartWith(`no session running on 127.0.0.1:${box.port}`);
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});

describe("how many runs a port keeps (the fake agent)", () => {
  test(
    "the last three: each start and restart begins a run, the oldest goes; --run N counts back",
    async () => {
      const box = await Sandbox.create();
      try {
        const said = async (text: string) => expect((await box.session(["say", text])).code).toBe(0);
        expect((await box.startFake()).code).toBe(0);
        await said("first run");
        expect((await box.session(["end"])).code).toBe(0);
        expect((await box.startFake()).code).toBe(0);
        await said("second run");
        expect((await box.session(["restart"])).code).toBe(0);
        await said("third run");
        expect((await box.session(["restart"])).code).toBe(0);
        await said("fourth run");

        const kept = readdirSync(box.stateDir).filter((n) => n.includes(".agent."));
        expect(kept.sort()).toEqual([
          `session-${box.port}.agent.log`,
          `session-${box.port}.agent.prev-1.log`,
          `session-${box.port}.agent.prev-2.log`,
        ]);
        const all = (await box.session(["logs", "--run", "all"])).stdout;
        expect(all).not.toContain("first run");
        const order = ["second run", "third run", "fourth run"].map((t) => all.indexOf(`turn: ${t}`));
        expect(order.every((i) => i > -1)).toBe(true);
        expect(order).toEqual([...order].sort((a, b) => a - b));
        for (const [run, text] of [
          ["0", "fourth run"],
          ["1", "third run"],
          ["2", "second run"],
        ]) {
          const turn = await box.session(["logs", "--run", run as string, "--turn", "1", "--json"]);
          const lines = jsonOut(turn).filter((l) => l.kind === "log");
          expect(lines.map((l) => l.line)).toEqual([`── turn 1: "${text}" ──`, `fake-agent: turn: ${text}`]);
        }
        const beyond = await box.session(["logs", "--run", "3"]);
        expect(beyond.code).toBe(1);
        expect(beyond.stderr).toStartWith(
          `no log is kept for the run 3 runs back on 127.0.0.1:${box.port} (kept: last, previous, 2 runs back)\n`,
        );
        expect((await box.session(["logs", "--run", "previous", "-f"])).stderr).toStartWith(
          "--follow and an earlier --run (only the last run grows) do not go together",
        );
      } finally {
        await box.cleanup();
      }
    },
    SLOW,
  );
});
