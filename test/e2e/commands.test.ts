// status, logs, history, listen, restart, replay, --expect, --transcript and --json, through dist/lk.

import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});
afterAll(cleanupAll);

interface JsonLine {
  v: number;
  kind: "event" | "result" | "log";
  [key: string]: unknown;
}

/** Every stdout line parses as JSON; the last one is the result. */
function jsonLines(run: RunResult): { lines: JsonLine[]; result: JsonLine } {
  const lines = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as JsonLine);
  const result = lines.at(-1) as JsonLine;
  expect(result.kind).toBe("result");
  expect(result.v).toBe(1);
  expect(typeof result.durationMs).toBe("number");
  expect(result.exitCode).toBe(run.code);
  expect(result.ok).toBe(run.code === 0);
  return { lines, result };
}

const tmp = () => tempDir("lk-cmd-");

describe("status", () => {
  test("running: agent, framework, active agent, uptime, turns, log path; exit 0", async () => {
    await box.startFake();
    await box.session(["say", "one"]);
    const status = await box.session(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Session running on 127.0.0.1:${box.port}`);
    expect(status.stdout).toContain("framework:    fake 0.0.0");
    expect(status.stdout).toContain("active agent: echo_agent (listening)");
    expect(status.stdout).toMatch(/turns: +1/);
    expect(status.stdout).toContain(join(box.stateDir, `session-${box.port}.agent.log`));
  });

  test("--json, field by field", async () => {
    const start = jsonLines(await box.startFake({}, ["--json"]));
    expect(start.result).toMatchObject({
      command: "start",
      port: box.port,
      agent: { label: "Node.js", runtime: "bun", entry: "agent.ts" },
    });
    await box.session(["say", "!background 10000 later"]);
    const { result } = jsonLines(await box.session(["status", "--json"]));
    expect(result.command).toBe("status");
    expect(result.running).toBe(true);
    const s = result.status as Record<string, unknown>;
    expect(s.port).toBe(box.port);
    expect(s.daemonPid).toBe(start.result.daemonPid);
    expect(s.agentPid).toBe(start.result.agentPid);
    expect(s).toMatchObject({
      entry: "agent.ts",
      runtime: "bun",
      label: "Node.js",
      agentId: "echo_agent",
      agentState: "listening",
    });
    expect(s.framework).toEqual({ sdk: "fake", version: "0.0.0" });
    expect(s.turns).toBe(1);
    expect(s.unseen).toBe(0);
    expect(s.uptimeMs as number).toBeGreaterThanOrEqual(0);
  });

  test("no session: exit 1, and the JSON result says so", async () => {
    const status = await box.session(["status"]);
    expect(status.code).toBe(1);
    expect(status.output).toStartWith("no session running");
    const { result, lines } = jsonLines(await box.session(["status", "--json"]));
    expect(lines).toHaveLength(1);
    expect(result.ok).toBe(false);
    expect(result.error as string).toStartWith(`no session running on 127.0.0.1:${box.port}`);
  });
});

describe("logs", () => {
  test("-n shows the last lines of the agent's own output", async () => {
    await box.startFake();
    await box.session(["say", "first"]);
    await box.session(["say", "second"]);
    const logs = await box.session(["logs", "-n", "3"]);
    expect(logs.code).toBe(0);
    // Each line stamped to the ms and tagged; lk's marker as the turn was sent, then the agent's line.
    const stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(?:Z|[+-]\\d\\d:\\d\\d)";
    expect(logs.stdout).toMatch(
      new RegExp(
        `^${stamp} out fake-agent: turn: first\\n${stamp} lk  ── turn 2: "second" ──\\n${stamp} out fake-agent: turn: second\\n$`,
      ),
    );
    const all = await box.session(["logs"]);
    expect(all.stdout).toContain("fake-agent: starting");
  });

  test("-f follows new output until the session ends", async () => {
    await box.startFake();
    const follow = box.session(["logs", "-f", "-n", "0"]);
    await Bun.sleep(400);
    await box.session(["say", "followed words"]);
    await Bun.sleep(500);
    await box.session(["end"]);
    const run = await follow;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("fake-agent: turn: followed words");
  });

  test("--json: one line per log line", async () => {
    await box.startFake();
    const { lines } = jsonLines(await box.session(["logs", "--json", "-n", "1"]));
    expect(lines[0]).toMatchObject({
      v: 1,
      kind: "log",
      stream: "stdout",
      line: `fake-agent: connected to 127.0.0.1:${box.port}`,
    });
    expect(typeof lines[0]?.at).toBe("number");
  });
});

describe("history and listen", () => {
  test("history renders the conversation like say, tools included", async () => {
    await box.startFake();
    await box.session(["say", "weather in Oslo?"]);
    const history = await box.session(["history"]);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain("● You\n    weather in Oslo?");
    expect(history.stdout).toContain("● function_tool: lookup_weather");
    expect(history.stdout).toContain("The weather in Oslo is sunny");
    const { result } = jsonLines(await box.session(["history", "--json"]));
    const types = (result.events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(["message", "tool_call", "tool_output", "message"]);
  });

  test("listen waits for what the agent says on its own; silence exits 124", async () => {
    await box.startFake();
    await box.session(["say", "!background 400 go"]);
    const heard = await box.session(["listen", "--timeout", "5"]);
    // Exit 0 with the reply: it came through the event, not the timeout (which exits 124).
    expect(heard.code).toBe(0);
    expect(heard.stdout).toContain("● Agent\n    background reply");
    const silent = await box.session(["listen", "--timeout", "0.5", "--json"]);
    expect(silent.code).toBe(124);
    const { result } = jsonLines(silent);
    expect(result.error).toBe("the agent said nothing within 0.5 s");
    // What listen showed is not shown again at the next say.
    const next = await box.session(["say", "after"]);
    expect(next.stdout).not.toContain("background reply");
  });

  test("listen returns at once with output already waiting", async () => {
    await box.startFake();
    await box.session(["say", "!background 10 go"]);
    await Bun.sleep(300);
    const heard = await box.session(["listen", "--json"]);
    expect(heard.code).toBe(0);
    expect(jsonLines(heard).result.reply).toBe("background reply");
  });
});

describe("restart", () => {
  test("a fresh agent, same entrypoint, runtime args and port", async () => {
    const first = jsonLines(await box.startFake({}, ["--json"])).result;
    await box.session(["say", "remember me"]);
    const restart = await box.session(["restart", "--json"]);
    expect(restart.code).toBe(0);
    const again = jsonLines(restart).result;
    expect(again.port).toBe(box.port);
    expect(again.agentPid).not.toBe(first.agentPid);
    const history = jsonLines(await box.session(["history", "--json"])).result;
    expect(history.events).toEqual([]);
    const say = await box.session(["say", "hello again"]);
    expect(say.code).toBe(0);
    const text = await box.session(["restart"]);
    expect(text.stdout).toContain("Restarting Node.js agent (agent.ts in");
    expect(text.stdout).toContain("Session restarted.");
  });

  test("restart without a session fails like the others", async () => {
    const r = await box.session(["restart"]);
    expect(r.code).toBe(1);
    expect(r.output).toStartWith("no session running");
  });
});

describe("say --expect", () => {
  beforeEach(async () => {
    await box.startFake();
  });

  test("every expectation matching: exit 0", async () => {
    const say = await box.session(["say", "weather in Rome?", "--expect", "sunny", "--expect", "/ROME/i"]);
    expect(say.code).toBe(0);
  });

  test("a reply that does not match: exit 2, the pattern and the reply shown", async () => {
    const say = await box.session(["say", "hello", "--expect", "sunny", "--expect=hel+o"]);
    expect(say.code).toBe(2);
    expect(say.stderr).toContain("expectation failed: the agent's reply did not match");
    expect(say.stderr).toContain("- expected to match: sunny");
    expect(say.stderr).not.toContain("- expected to match: hel+o");
    expect(say.stderr).toContain("+ the agent replied:\n      hello");
    const json = jsonLines(await box.session(["say", "hello", "--expect", "nope", "--json"])).result;
    expect(json.expectations).toEqual([
      { kind: "reply", expected: "a reply matching nope", pattern: "nope", negated: false, ok: false },
    ]);
    expect(json.reply).toBe("hello");
  });

  test("an invalid pattern is refused before anything is sent", async () => {
    const say = await box.session(["say", "never sent", "--expect", "(unclosed"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain('invalid expectation "(unclosed"');
    const history = jsonLines(await box.session(["history", "--json"])).result;
    expect(history.events).toEqual([]);
  });
});

describe("replay", () => {
  beforeEach(async () => {
    await box.startFake();
  });

  test("a passing conversation: every turn run, a summary, exit 0", async () => {
    const dir = tmp();
    const file = join(dir, "talk.txt");
    writeFileSync(
      file,
      [
        "# the seed conversation",
        "what's the weather in San Francisco?",
        "? sunny",
        "?! error",
        "",
        "transfer me to billing",
        "? /billing agent/i",
        "thanks, that's all",
        "? Goodbye",
      ].join("\n"),
    );
    const run = await box.session(["replay", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("● function_tool: lookup_weather");
    expect(run.stdout).toContain("✓ expect sunny");
    expect(run.stdout).toContain("✓ must not match error");
    expect(run.stdout).toMatch(/replay passed: 3 turns, 4 expectations/);
    const json = jsonLines(await box.session(["replay", file, "--json"])).result;
    expect((json.turns as unknown[]).length).toBe(3);
    expect(json.expectations).toBe(4);
  });

  test("a failing expectation stops the replay there: exit 2, later turns not sent", async () => {
    const file = join(tmp(), "bad.txt");
    writeFileSync(file, "first turn\n? first\nsecond turn\n? rainy\nthird turn\n");
    const run = await box.session(["replay", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("turn 2 (line 3): expectation failed");
    expect(run.stdout).toContain("✗ expect rainy");
    const history = jsonLines(await box.session(["history", "--json"])).result;
    const said = (history.events as { type: string; role?: string; text?: string }[])
      .filter((e) => e.role === "user")
      .map((e) => e.text);
    expect(said).toEqual(["first turn", "second turn"]);
  });

  test("a turn the agent fails stops the replay with exit 1", async () => {
    const file = join(tmp(), "err.txt");
    writeFileSync(file, "!error now\nnever\n");
    const run = await box.session(["replay", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("turn 1 (line 1) failed: agent error: simulated failure in the agent");
  });

  test("bad files are refused clearly", async () => {
    const missing = await box.session(["replay", "/nonexistent/talk.txt"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read /nonexistent/talk.txt: ENOENT");
    const orphan = join(tmp(), "orphan.txt");
    writeFileSync(orphan, "? lonely\n");
    // Before any turn, a `?` line checks the greeting: a file of nothing else has no turn to send.
    expect((await box.session(["replay", orphan])).stderr).toContain(
      "orphan.txt has no turns, only a greeting check (line 1)",
    );
    const empty = join(tmp(), "empty.txt");
    writeFileSync(empty, "# nothing\n\n");
    expect((await box.session(["replay", empty])).stderr).toContain("has no turns");
  });
});

describe("end --transcript", () => {
  test("markdown of the whole conversation, written before the session stops", async () => {
    await box.startFake();
    await box.session(["say", "weather in Lima?"]);
    const file = join(tmp(), "talk.md");
    const end = await box.session(["end", "--transcript", file]);
    expect(end.code).toBe(0);
    expect(end.stdout).toStartWith("Session ended.\n");
    const md = readFileSync(file, "utf8");
    expect(md).toContain("# Agent session transcript");
    expect(md).toContain("**You:** weather in Lima?");
    expect(md).toContain("**Tool** `lookup_weather`");
    expect(md).toContain("> ✓ sunny with a temperature of 70 degrees.");
    expect(md).toContain("**Agent:** The weather in Lima is sunny");
  });

  test("JSON with --json", async () => {
    await box.startFake();
    await box.session(["say", "json please"]);
    const file = join(tmp(), "talk.json");
    const { result } = jsonLines(await box.session(["end", "--transcript", file, "--json"]));
    expect(result.transcript).toBe(file);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(doc.v).toBe(1);
    expect(doc.events.map((e: { text?: string }) => e.text)).toEqual(["json please", "json please"]);
  });

  test("an unwritable transcript path fails and the session keeps running", async () => {
    await box.startFake();
    const end = await box.session(["end", "--transcript", "/nonexistent-dir/t.md"]);
    expect(end.code).toBe(1);
    expect(end.stderr).toContain("could not write the transcript to /nonexistent-dir/t.md");
    expect((await box.session(["status"])).code).toBe(0);
  });
});

describe("--json everywhere", () => {
  test("say: events as they happen, then the result with reply and every event", async () => {
    await box.startFake();
    const run = await box.session(["say", "weather in Kyiv?", "--json"]);
    const { lines, result } = jsonLines(run);
    const events = lines.filter((l) => l.kind === "event").map((l) => l.event as { type: string });
    expect(events.map((e) => e.type)).toEqual([
      "message",
      "state",
      "tool_call",
      "tool_output",
      "state",
      "message",
      "state",
    ]);
    expect(result).toMatchObject({ command: "say", ok: true, exitCode: 0, text: "weather in Kyiv?" });
    expect(result.reply).toBe("The weather in Kyiv is sunny with a temperature of 70 degrees.");
    expect(result.events).toEqual(events);
    const call = events[2] as Record<string, unknown>;
    expect(call).toMatchObject({
      type: "tool_call",
      name: "lookup_weather",
      arguments: '{"location":"Kyiv"}',
    });
    expect(typeof call.at).toBe("number");
  });

  test("failures are a result line too: no session, agent error, stderr silent", async () => {
    const none = await box.session(["say", "hi", "--json"]);
    expect(none.code).toBe(1);
    expect(jsonLines(none).result.error as string).toStartWith("no session running");
    expect(none.stderr).toBe("");
    await box.startFake();
    const failed = await box.session(["say", "!error", "--json"]);
    expect(failed.code).toBe(1);
    expect(jsonLines(failed).result).toMatchObject({
      ok: false,
      error: "agent error: simulated failure in the agent",
    });
    const end = jsonLines(await box.session(["end", "--json"])).result;
    expect(end).toMatchObject({ command: "end", ok: true, port: box.port });
  });
});
