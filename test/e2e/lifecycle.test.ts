// start | say | end through the compiled binary, against the protocol-level fake agent.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { count, FAKE_AGENT_DIR, LK, portIsFree, processAlive, Sandbox } from "../helpers/lk.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});

function stateOf(b: Sandbox): { daemonPid: number; agent: { pid: number } } {
  return require(join(b.stateDir, `session-${b.port}.json`));
}

describe("the seed's own check", () => {
  test("start → say (token echoed) → end → port free → say fails", async () => {
    const start = await box.startFake();
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`Detected Node.js agent (agent.ts in ${FAKE_AGENT_DIR})`);
    expect(start.stdout).toContain("Session started.");

    const say = await box.session([
      "say",
      "Repeat this token back to me exactly and nothing else: PINEAPPLE7351",
    ]);
    expect(say.code).toBe(0);
    expect(count(say.output, "PINEAPPLE7351")).toBeGreaterThanOrEqual(2);
    expect(say.stdout).toContain("● You");
    expect(say.stdout).toContain("● Agent");

    const { daemonPid, agent } = stateOf(box);
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    expect(end.stdout).toStartWith("Session ended.\n");
    expect(await portIsFree(box.port)).toBe(true);
    expect(processAlive(daemonPid)).toBe(false);
    expect(processAlive(agent.pid)).toBe(false);
    // A clean end leaves the agent's log and the record of how it ended, until the next start on the port.
    expect(readdirSync(box.stateDir).sort()).toEqual([
      `session-${box.port}.agent.log`,
      `session-${box.port}.ended.json`,
    ]);

    const after = await box.session(["say", "PINEAPPLE7351 again?"]);
    expect(after.code).toBe(1);
    expect(after.output).toStartWith(
      `the session on 127.0.0.1:${box.port} ended at ${/\d\d:\d\d:\d\d/.exec(after.output)?.[0]}: it was ended (\`lk agent session end\`)\n`,
    );
    expect(after.output).toContain("to start it again, run: lk agent session start ");
    expect(after.output).not.toContain("PINEAPPLE7351");
  });
});

describe("rendering a turn", () => {
  beforeEach(async () => {
    expect((await box.startFake()).code).toBe(0);
  });

  test("a tool call with its output, as in the seed", async () => {
    const say = await box.session(["say", "what's the weather in San Francisco?"]);
    expect(say.code).toBe(0);
    expect(say.stdout).toContain(
      [
        "  ● You",
        "    what's the weather in San Francisco?",
        "",
        '  ● function_tool: lookup_weather {"location":"San Francisco"}',
        "    ✓ sunny with a temperature of 70 degrees.",
        "",
        "  ● Agent",
        "    The weather in San Francisco is sunny with a temperature of 70 degrees.",
      ].join("\n"),
    );
  });

  test("a failing tool shows ✗, a handoff shows both agents and the new agent's greeting", async () => {
    const fail = await box.session(["say", "this will fail"]);
    // The output the model saw, and what the tool really raised.
    expect(fail.stdout).toContain(
      "● function_tool: check_inventory\n    ✗ An internal error occurred (inventory service unavailable)",
    );
    const handoff = await box.session(["say", "transfer me to billing"]);
    expect(handoff.stdout).toContain("● function_tool: transfer_to_billing\n");
    expect(handoff.stdout).toContain("● handoff: echo_agent → billing_agent");
    expect(handoff.stdout).toContain("Hi, this is the billing agent. How can I help?");
    // A tool that hands off returns no text: no bare ✓ line.
    expect(handoff.stdout).not.toContain("✓");
  });

  test("an agent config update", async () => {
    const say = await box.session(["say", "!config"]);
    expect(say.stdout).toContain(
      "● agent config\n    instructions updated; tools added: get_time; tools removed: lookup_weather",
    );
  });

  test("an error response is shown and exits 1", async () => {
    const say = await box.session(["say", "!error please"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("agent error: simulated failure in the agent");
  });

  test("events that arrive after the response still belong to the turn, shown once", async () => {
    const say = await box.session(["say", "!late hello there"]);
    expect(say.code).toBe(0);
    expect(count(say.stdout, "● Agent")).toBe(1);
    expect(say.stdout).toContain("● Agent\n    !late hello there");
  });

  test("audio_playback_flush is answered, so the turn completes", async () => {
    const say = await box.session(["say", "!flush"], {});
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("flush acknowledged");
  });

  test("a reply frame close to 1 MiB arrives whole", async () => {
    const say = await box.session(["say", "!big"]);
    expect(say.code).toBe(0);
    // Booleans, not the text: a failure must not print a megabyte.
    expect(say.stdout.length).toBeGreaterThan(1_000_000);
    expect(say.stdout.includes(`big:${"x".repeat(1_000_000)}\n`)).toBe(true);
    // A reader slower than the writer: output still queued in the pipe must not be lost at exit.
    for (const json of [[], ["--json"]]) {
      const slow = Bun.spawnSync(
        [
          "sh",
          "-c",
          `"$0" agent session say '!big' --port ${box.port} "$@" | (sleep 0.3; wc -c)`,
          LK,
          ...json,
        ],
        { env: box.env() as Record<string, string> },
      );
      expect(Number(slow.stdout.toString().trim())).toBeGreaterThan(1_000_000);
    }
  });

  test("what the agent says between turns is shown at the next say, marked earlier", async () => {
    expect((await box.session(["say", "!background 50 go"])).code).toBe(0);
    await Bun.sleep(400);
    const next = await box.session(["say", "next"]);
    expect(next.stdout).toContain("● Agent (before this turn)\n    background reply");
    expect(next.stdout.indexOf("background reply")).toBeLessThan(next.stdout.indexOf("● You"));
    // Shown once only.
    const third = await box.session(["say", "third"]);
    expect(third.stdout).not.toContain("background reply");
  });

  test("output beyond what is kept between turns is announced at the next say, and carried in --json", async () => {
    // The daemon keeps 5,000 events between turns: 3 of these 5,003 must go.
    const flood = async () => {
      expect((await box.session(["say", "!flood 5003"])).code).toBe(0);
      const unseen = async () => JSON.parse((await box.session(["status", "--json"])).stdout).status.unseen;
      while ((await unseen()) === 0) await Bun.sleep(50);
      // The agent sends its flood in one go: this answer comes after all of it.
      expect(await unseen()).toBe(5000);
    };
    await flood();
    const json = await box.session(["say", "after the flood", "--json"]);
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const events = lines.filter((l) => l.kind === "event").map((l) => l.event);
    expect(events[0]).toMatchObject({ type: "dropped", count: 3, earlier: true });
    expect(lines.at(-1)).toMatchObject({ kind: "result", dropped: 3 });
    expect(events[1]).toMatchObject({ type: "message", text: "flood 4", earlier: true });
    expect(events.filter((e) => e.earlier)).toHaveLength(5001);

    await flood();
    const text = await box.session(["say", "after the second flood"]);
    expect(text.stdout).toStartWith(
      "\n  (3 earlier events were dropped)\n\n  ● Agent (before this turn)\n    flood 4\n",
    );
    expect(count(text.stdout, "dropped")).toBe(1);
  });

  test("the text can come from stdin, piped or with -", async () => {
    const piped = await box.session(["say"], { stdin: "hello from a pipe\n" });
    expect(piped.stdout).toContain("● You\n    hello from a pipe\n");
    const dash = await box.session(["say", "-"], { stdin: "dash input" });
    expect(dash.stdout).toContain("● Agent\n    dash input\n");
  });

  test("text after -- is the text (even when it starts with a dash)", async () => {
    const say = await box.lk(["agent", "session", "say", "--port", String(box.port), "--", "-5 degrees"]);
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("● You\n    -5 degrees");
  });

  test("text over 1 MB is refused before it is sent", async () => {
    const say = await box.session(["say", "-"], { stdin: "y".repeat(1_100_000) });
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("the text is too long: 1100000 bytes");
  });

  test("timeouts too large for a timer are refused", async () => {
    const say = await box.session(["say", "hi", "--timeout", "2200000"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain(
      "--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds, at most 2000000 s",
    );
  });

  test("nothing to say is an error that sends nothing", async () => {
    const empty = await box.session(["say", "   "]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("nothing to say");
  });

  test("colors only when asked: none in a pipe, some with FORCE_COLOR, none with NO_COLOR", async () => {
    const plain = await box.session(["say", "plain"]);
    expect(plain.stdout).not.toContain("\x1b[");
    const forced = await box.session(["say", "colored"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    expect(forced.stdout).toContain("\x1b[");
    const no = await box.session(["say", "plain"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
    expect(no.stdout).not.toContain("\x1b[");
  });

  test("a turn slower than --timeout fails with exit 124", async () => {
    const say = await box.session(["say", "!slow 3000 wait", "--timeout", "0.5"]);
    expect(say.code).toBe(124);
    expect(say.stderr).toContain("did not finish the turn within 0.5 s");
    // The session is still usable afterwards.
    const next = await box.session(["say", "still here?"]);
    expect(next.code).toBe(0);
  });
});

describe("greetings", () => {
  test("a greeting said right at connect is shown by start", async () => {
    const start = await box.startFake({ FAKE_GREETING: "Hello! I'm the echo agent." });
    expect(start.code).toBe(0);
    expect(start.stdout).toContain("● Agent\n    Hello! I'm the echo agent.");
    const say = await box.session(["say", "hi"]);
    expect(say.stdout).not.toContain("Hello! I'm the echo agent.");
  });

  test("a greeting that comes after start returned is shown at the first say as earlier output", async () => {
    const start = await box.startFake({ FAKE_GREETING: "Late hello.", FAKE_GREETING_DELAY_MS: "400" });
    expect(start.stdout).not.toContain("Late hello.");
    await Bun.sleep(600);
    const say = await box.session(["say", "hi"]);
    expect(say.stdout).toContain("● Agent (before this turn)\n    Late hello.");
  });

  test("a greeting still being said when the first turn comes is earlier output, not part of the reply", async () => {
    // It starts after start returned and goes on until the turn (sent after its wait for it) interrupts it.
    const start = await box.startFake({
      FAKE_GREETING: "delayed greeting",
      FAKE_GREETING_DELAY_MS: "300",
      FAKE_GREETING_HOLD_MS: "60000",
    });
    expect(start.stdout).not.toContain("delayed greeting");
    await Bun.sleep(500);
    const say = await box.session(["say", "first", "--expect", "greeting", "--json"]);
    const result = JSON.parse(say.stdout.trim().split("\n").at(-1) as string);
    expect(result.reply).toBe("first");
    expect(result.expectations).toEqual([
      {
        kind: "reply",
        expected: "a reply matching greeting",
        pattern: "greeting",
        negated: false,
        ok: false,
      },
    ]);
    expect(say.code).toBe(2);
    const messages = result.events.filter((e: { type: string }) => e.type === "message");
    expect(messages).toMatchObject([
      { role: "assistant", text: "delayed greeting", interrupted: true, earlier: true },
      { role: "user", text: "first" },
      { role: "assistant", text: "first" },
    ]);
    expect(messages[1].earlier).toBeUndefined();

    const text = await box.session(["say", "second"]);
    expect(text.stdout).not.toContain("delayed greeting");
  });

  test("an agent that never reports the user's message keeps its whole reply", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.session(["say", "!nouser quiet about it"]);
    expect(say.code).toBe(0);
    expect(say.stdout).toBe(
      "\n  ● You\n    !nouser quiet about it\n\n  ● Agent\n    !nouser quiet about it\n\n",
    );
  });
});

describe("commands that arrive while the agent is still starting", () => {
  test("a say waits for the session to be ready, then runs", async () => {
    const starting = box.startFake({ FAKE_CONNECT_DELAY_MS: "1200" });
    await Bun.sleep(500);
    const say = await box.session(["say", "early bird"]);
    expect((await starting).code).toBe(0);
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("● Agent\n    early bird");
  });

  test("an end cancels the start at once: start fails saying so, nothing is left", async () => {
    const starting = box.startFake({ FAKE_NO_CONNECT: "1" });
    await Bun.sleep(500);
    const end = await box.session(["end"]);
    expect(end.stdout).toStartWith("Session ended.\n");
    const start = await starting;
    expect(start.code).toBe(1);
    // Cancelled by the end, not by the connect timeout (60 s by default).
    expect(start.stderr).toContain("the session was ended while it was starting");
    expect(start.stderr).not.toContain("did not connect");
    expect(await portIsFree(box.port)).toBe(true);
    const left = Bun.spawnSync(["pgrep", "-f", `connect-addr 127.0.0.1:${box.port}`])
      .stdout.toString()
      .trim();
    expect(left).toBe("");
  });
});

describe("one session per port", () => {
  test("a second start is refused with a hint", async () => {
    expect((await box.startFake()).code).toBe(0);
    const again = await box.startFake();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`a session is already running on 127.0.0.1:${box.port}`);
    expect(again.stderr).toContain("lk agent session end");
    expect(again.stderr).toContain("--port");
  });

  test("a port held by another program is reported as such, by start and by say", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: box.port, socket: { data() {} } });
    try {
      const start = await box.startFake();
      expect(start.code).toBe(1);
      expect(start.stderr).toContain(`127.0.0.1:${box.port} is already in use by another program`);
      expect(start.stderr).not.toContain("already running");
      const say = await box.session(["say", "hi"]);
      expect(say.code).toBe(1);
      expect(say.stderr).toContain("another program is listening there");
    } finally {
      server.stop(true);
    }
  });
});

describe("failures leave nothing running", () => {
  test("an agent that crashes before connecting fails start at once, with its output", async () => {
    const start = await box.startFake({ FAKE_CRASH: "before-connect" });
    expect(start.code).toBe(1);
    // Failed on the agent's exit, not on the connect timeout.
    expect(start.stderr).toContain(
      "could not start the session: the agent exited with code 1 before connecting",
    );
    expect(start.stderr).not.toContain("did not connect");
    expect(start.stderr).toContain("fake-agent: something is badly configured");
    // The log of a failed start is kept, and its path printed.
    const logPath = join(box.stateDir, `session-${box.port}.agent.log`);
    expect(start.stderr).toContain(`full agent log: ${logPath}`);
    expect(readFileSync(logPath, "utf8")).toContain("something is badly configured");
    expect(await portIsFree(box.port)).toBe(true);
    expect(existsSync(join(box.stateDir, `session-${box.port}.json`))).toBe(false);
  });

  test("a crash marker (the agent stays alive) fails start at once and the agent is killed", async () => {
    const start = await box.startFake({ FAKE_CRASH: "marker" });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("the agent failed before connecting");
    expect(start.stderr).toContain("job crashed");
    expect(await portIsFree(box.port)).toBe(true);
    const ps = Bun.spawnSync(["pgrep", "-f", `connect-addr 127.0.0.1:${box.port}`])
      .stdout.toString()
      .trim();
    expect(ps).toBe("");
  });

  test("an agent that never connects times out (--timeout), and is killed", async () => {
    const start = await box.startFake({ FAKE_NO_CONNECT: "1" }, ["--timeout", "1"]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("the agent did not connect within 1 s");
    expect(await portIsFree(box.port)).toBe(true);
    const ps = Bun.spawnSync(["pgrep", "-f", `connect-addr 127.0.0.1:${box.port}`])
      .stdout.toString()
      .trim();
    expect(ps).toBe("");
  });

  test("an agent that dies mid-turn fails the say with its output; the session is gone", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.session(["say", "!crash now"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("the agent exited with code 3");
    expect(say.stderr).toContain("fake-agent: crashing mid-turn as asked");
    await Bun.sleep(200);
    expect(await portIsFree(box.port)).toBe(true);
    const next = await box.session(["say", "hello?"]);
    expect(next.output).toContain(`the session on 127.0.0.1:${box.port} ended at`);
    expect(next.output).toContain("the agent exited with code 3");
  });

  test("an agent that drops its connection but keeps running: the say fails with its output, all is stopped", async () => {
    expect((await box.startFake()).code).toBe(0);
    const { agent } = stateOf(box);
    const say = await box.session(["say", "!hangup"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain(
      "the agent closed its connection; the agent was still running and has been stopped",
    );
    expect(say.stderr).toContain("fake-agent: dropping the connection, staying alive");
    await Bun.sleep(300);
    expect(processAlive(agent.pid)).toBe(false);
    expect(await portIsFree(box.port)).toBe(true);
    expect((await box.session(["status"])).code).toBe(1);
  });

  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
    test(`${signal} to the daemon stops it and its agent, and fails the turn it was running`, async () => {
      expect((await box.startFake()).code).toBe(0);
      const { daemonPid, agent } = stateOf(box);
      const slow = box.session(["say", "!slow 20000 take your time"]);
      while (
        !readFileSync(join(box.stateDir, `session-${box.port}.agent.log`), "utf8").includes("turn: !slow")
      )
        await Bun.sleep(20);
      process.kill(daemonPid, signal);
      const said = await slow;
      expect(said.code).toBe(1);
      expect(said.stderr).toContain("the session daemon was stopped");
      while (processAlive(daemonPid)) await Bun.sleep(20);
      expect(processAlive(agent.pid)).toBe(false);
      expect(await portIsFree(box.port)).toBe(true);
      // Only the record that tells the next command what happened.
      expect(readdirSync(box.stateDir)).toEqual([`session-${box.port}.ended.json`]);
      const next = await box.session(["status"]);
      expect(next.stderr).toContain(`the session daemon was stopped (${signal})`);
      expect(next.stderr).toContain("to start it again, run: lk agent session start ");
    });
  }

  test("SIGTERM while the agent is starting: start fails saying so, nothing is left", async () => {
    const starting = box.startFake({ FAKE_NO_CONNECT: "1" });
    const record = join(box.stateDir, `session-${box.port}.json`);
    while (!existsSync(record)) await Bun.sleep(20);
    const { daemonPid, agent } = stateOf(box);
    process.kill(daemonPid, "SIGTERM");
    const start = await starting;
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("the session daemon was stopped (SIGTERM)");
    while (processAlive(daemonPid)) await Bun.sleep(20);
    expect(processAlive(agent.pid)).toBe(false);
    expect(await portIsFree(box.port)).toBe(true);
  });

  test("end during a slow say ends that say promptly with a clear error", async () => {
    expect((await box.startFake()).code).toBe(0);
    const slow = box.session(["say", "!slow 20000 take your time"]);
    await Bun.sleep(300);
    const end = await box.session(["end"]);
    expect(end.stdout).toStartWith("Session ended.\n");
    const said = await slow;
    // Ended by the end (the agent would have taken 20 s), not finished or timed out.
    expect(said.code).toBe(1);
    expect(said.stderr).toContain("the session was ended while this turn was running");
    expect(said.stdout).not.toContain("● Agent");
  });

  test("an agent that ignores SIGINT, and its child, are gone soon after end", async () => {
    expect((await box.startFake({ FAKE_IGNORE_SIGINT: "1", FAKE_SPAWN_CHILD: "1" })).code).toBe(0);
    const { agent } = stateOf(box);
    const log = await Bun.file(join(box.stateDir, `session-${box.port}.agent.log`)).text();
    const childPid = Number(/child pid (\d+)/.exec(log)?.[1]);
    expect(processAlive(childPid)).toBe(true);
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    // Both are gone by the time end returns: the daemon escalated past the ignored SIGINT.
    expect(processAlive(agent.pid)).toBe(false);
    expect(processAlive(childPid)).toBe(false);
    // And its log says it was killed, not that it stopped.
    const after = await Bun.file(join(box.stateDir, `session-${box.port}.agent.log`)).text();
    expect(after.trimEnd().split("\n").at(-1)).toEndWith(
      "── run 1 ended: end requested (still running 1.5 s after SIGINT: killed) ──",
    );
  });
});

describe("commands and flags", () => {
  test("`stop` is an alias of `end`", async () => {
    expect((await box.startFake()).code).toBe(0);
    const stop = await box.session(["stop"]);
    expect(stop.stdout).toStartWith("Session ended.\n");
  });

  test("the hidden daemon command refuses to run by hand", async () => {
    const run = await box.lk(["agent", "session", "daemon"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("lk agent session start");
  });

  test("bad --port values are refused clearly", async () => {
    const bad = await box.lk(["agent", "session", "say", "hi", "--port", "99999"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--port must be a whole number from 1 to 65535");
    const env = await box.lk(["agent", "session", "say", "hi"], { env: { LK_SESSION_PORT: "abc" } });
    expect(env.stderr).toContain("LK_SESSION_PORT must be a whole number");
  });

  test("runtime args after -- reach the interpreter, before the entrypoint; status shows them", async () => {
    const args = [
      "agent",
      "session",
      "start",
      "agent.ts",
      "--runtime",
      "bun",
      "--skip-sdk-check",
      "--port",
      String(box.port),
    ];
    expect((await box.lk([...args, "--", "--smol"], { cwd: FAKE_AGENT_DIR })).code).toBe(0);
    const { agent } = stateOf(box);
    const argv = readFileSync(`/proc/${agent.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(1, 5)).toEqual(["--smol", "agent.ts", "console", "--connect-addr"]);
    const status = await box.session(["status"]);
    expect(status.stdout).toMatch(/runtime args: +--smol/);
  });

  test("LK_SESSION_PORT selects the port", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.lk(["agent", "session", "say", "via env"], {
      env: { LK_SESSION_PORT: String(box.port) },
    });
    expect(say.code).toBe(0);
    expect(say.stdout).toContain("via env");
  });

  test("--version prints the version, and nothing else", async () => {
    const v = await box.lk(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    // dist/lk carries package.json's version (or LK_VERSION's); a prebuilt LK_BIN may be any release.
    if (!process.env.LK_BIN)
      expect(v.stdout.trim()).toBe(process.env.LK_VERSION?.replace(/^v/, "") || pkg.version);
  });
});

describe("the command line itself", () => {
  test("an unknown option is refused, not ignored (a typo must not pass silently)", async () => {
    const say = await box.lk(["agent", "session", "say", "hi", "--expects", "sunny"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("unknown option --expects for `lk agent session say`");
    const json = await box.lk(["agent", "session", "status", "--bogus", "--json"]);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ kind: "result", ok: false, exitCode: 1 });
    // Known short aliases and negative-number text are not options.
    const logs = await box.lk(["agent", "session", "logs", "-n", "3", "-f", "--port", String(box.port)]);
    expect(logs.stderr).not.toContain("unknown option");
  });

  test("help and errors are plain text in a pipe (no escape codes)", async () => {
    for (const args of [
      ["agent", "session", "--help"],
      ["agent", "session", "say", "--help"],
    ]) {
      const run = await box.lk(args, { env: { NO_COLOR: undefined } });
      expect(run.output).not.toContain("\x1b[");
      expect(run.output).toContain("USAGE");
    }
    const unknown = await box.lk(["agent", "session", "nope"], { env: { NO_COLOR: undefined } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).not.toContain("\x1b[");
    expect(unknown.stderr).toContain('unknown command "nope" for `lk agent session`');
    expect(unknown.stderr).toContain("see: lk agent session --help");
  });
});
