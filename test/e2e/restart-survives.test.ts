// Issue 19 items 1 and 2, the edit → check loop: a restart survives a broken edit (the daemon keeps
// its port, its launch and the agent's environment; the agent is down until the next restart), the
// agent's environment is explicit (--env, --env-file, kept by restart whatever shell runs it), and a
// session that has ended says so with the exact `start` that starts it again.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  cleanupAll,
  FAKE_AGENT_DIR,
  LK,
  portIsFree,
  processAlive,
  type RunResult,
  Sandbox,
  tempDir,
} from "../helpers/lk.ts";
import { runProcess } from "../helpers/process.ts";
import { ECHO_GREETING, PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";
import { watch } from "../helpers/watch.ts";

const SLOW = 180_000;
let box: Sandbox;
afterEach(async () => {
  await box?.cleanup();
});
afterAll(cleanupAll);

type Json = Record<string, unknown>;
/** The result line of a --json run (its last line); a failure's is its only one. */
function result(run: RunResult): Json {
  const lines = run.stdout.trim().split("\n");
  const last = JSON.parse(lines.at(-1) as string) as Json;
  expect(last.kind).toBe("result");
  if (run.code !== 0) expect(lines).toHaveLength(1);
  return last;
}

/** stderr without the plain progress line a start or restart prints after a second off a terminal. */
const errors = (run: RunResult) => run.stderr.replace("Waiting for the agent to connect…\n", "");

const stateOf = () =>
  JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8")) as {
    daemonPid: number;
    agent: { pid: number };
  };

/** The real Python echo agent in a folder of its own (a copy to break), its installed venv linked in. */
function copyOfPythonAgent(): string {
  const dir = tempDir("lk-py-edit-");
  for (const file of ["agent.py", "requirements.txt"])
    copyFileSync(join(PYTHON_AGENT.dir, file), join(dir, file));
  symlinkSync(join(PYTHON_AGENT.dir, ".venv"), join(dir, ".venv"), "dir");
  return dir;
}

/** lk's own lines (markers) of a kept run's log, without their stamps: `back` runs before the last. */
function runMarkers(back: number): string[] {
  const name = back === 0 ? "agent.log" : `agent.prev-${back}.log`;
  const text = readFileSync(join(box.stateDir, `session-${box.port}.${name}`), "utf8");
  return text.split("\n").flatMap((line) => /^\S+ lk {2}(── .*)$/.exec(line)?.[1] ?? []);
}

/** Until the port is free (a session ending on its own): a wait, not a measure. */
async function untilPortFree(port: number): Promise<void> {
  for (let i = 0; i < 1000 && !(await portIsFree(port)); i++) await Bun.sleep(20);
  expect(await portIsFree(port)).toBe(true);
}

describe("a broken edit of the real Python echo agent", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "restart fails with the traceback; the session stays up without an agent; after the fix, restart brings it back on the same port with the same environment",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfPythonAgent();
      // Every command after start runs from a shell without the variable: only start's --env gives it.
      const lk = (args: string[]) =>
        box.session(args, { cwd: dir, env: { ECHO_AGENT_NO_GREETING: undefined } });
      const start = await box.session(["start", "agent.py", "--env", "ECHO_AGENT_NO_GREETING=1"], {
        cwd: dir,
      });
      expect(start.code).toBe(0);
      expect(start.stdout).not.toContain(ECHO_GREETING);
      const { daemonPid } = stateOf();

      const file = join(dir, "agent.py");
      const source = readFileSync(file, "utf8");
      writeFileSync(file, `${source}\ndef broken(:\n`);

      // The restart fails, exit 1, with the traceback; the daemon and its port stay.
      const failed = await lk(["restart"]);
      expect(failed.code).toBe(1);
      expect(errors(failed)).toStartWith(
        "could not restart the agent: the agent exited with code 1 before connecting\n",
      );
      expect(failed.stderr).toContain("def broken(:");
      expect(failed.stderr).toContain("SyntaxError: invalid syntax");
      expect(failed.stderr).toContain(
        `the session is still up, on the same port, without an agent: fix it, then run \`lk agent session restart --port ${box.port}\` again`,
      );
      expect(processAlive(daemonPid)).toBe(true);
      expect(await portIsFree(box.port)).toBe(false);

      // The failed agent was a run of its own, begun and ended by the daemon: its traceback is in its
      // log, which `logs` reads while the agent is down; the agent it replaced ended as restarted.
      const failedRun = await lk(["logs", "--run", "last"]);
      expect(failedRun.code).toBe(0);
      expect(failedRun.stdout).toContain("SyntaxError: invalid syntax");
      expect(failedRun.stdout).toMatch(/ err +def broken\(:\n/);
      expect(runMarkers(0)).toEqual([
        "── run 2 (restart): agent.py ──",
        "── run 2 ended: failed to start: the agent exited with code 1 before connecting ──",
      ]);
      expect(runMarkers(1)).toEqual(["── run 1 (start): agent.py ──", "── run 1 ended: restarted ──"]);

      // status: the agent is down, and why (exit 1).
      const down = `the agent is down: the agent exited with code 1 before connecting; fix it and run: lk agent session restart --port ${box.port}`;
      const status = await lk(["status"]);
      expect(status.code).toBe(1);
      expect(status.stdout).toStartWith(`● Session on 127.0.0.1:${box.port}: the agent is down\n`);
      expect(status.stdout).toMatch(
        /agent down: +since \d\d:\d\d:\d\d: the agent exited with code 1 before connecting/,
      );
      expect(status.stdout).toContain("exit:         the agent exited with code 1\n");
      expect(status.stdout).toContain("    SyntaxError: invalid syntax\n");
      expect(status.stdout).toContain("env:          ECHO_AGENT_NO_GREETING=1\n");
      expect(status.stderr).toBe(`${down}\n`);
      const json = result(await lk(["status", "--json"]));
      expect(json).toMatchObject({ ok: false, exitCode: 1, error: down, running: true });
      const agentDown = (json.status as Json).agentDown as Json;
      expect(agentDown).toMatchObject({
        reason: "the agent exited with code 1 before connecting",
        exit: "the agent exited with code 1",
      });
      expect(agentDown.lastLines).toContain("SyntaxError: invalid syntax");
      expect((json.status as Json).env).toEqual({ ECHO_AGENT_NO_GREETING: "1" });

      // Turns fail fast and say what to do; so do listen and history.
      const say = await lk(["say", "hello?"]);
      expect(say.code).toBe(1);
      expect(say.stderr).toStartWith(`${down}\n`);
      expect(say.stderr).toContain("SyntaxError: invalid syntax");
      const sayJson = result(await lk(["say", "hello?", "--json"]));
      expect(sayJson).toMatchObject({ ok: false, exitCode: 1, error: down, reply: "" });
      for (const command of [["listen"], ["history"]]) {
        const refused = await lk(command);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toStartWith(`${down}\n`);
      }

      // Fixed: the same restart just works, on the same port, with the same daemon and environment.
      writeFileSync(file, source);
      const fixed = await lk(["restart", "--json"]);
      expect(fixed.code).toBe(0);
      const restarted = result(fixed);
      expect(restarted).toMatchObject({
        port: box.port,
        daemonPid,
        env: { ECHO_AGENT_NO_GREETING: "1" },
        agent: { label: "Python", entry: "agent.py", root: dir },
      });
      // No greeting: the variable reached the restarted agent.
      expect((restarted.greeting as Json[]).filter((e) => e.type === "message")).toEqual([]);
      const hello = await lk(["say", "hello again"]);
      expect(hello.code).toBe(0);
      expect(hello.stdout).toContain("● Agent\n    hello again");
      expect(hello.stdout).not.toContain(ECHO_GREETING);
      // The fixed agent is run 3, its turns numbered from 1; the failed run is the previous one.
      expect(runMarkers(0)).toEqual(["── run 3 (restart): agent.py ──", '── turn 1: "hello again" ──']);
      expect((await lk(["logs", "--run", "previous"])).stdout).toContain("SyntaxError: invalid syntax");
      const running = await lk(["status"]);
      expect(running.code).toBe(0);
      expect(running.stdout).toStartWith(`● Session running on 127.0.0.1:${box.port}`);

      // restart --env changes it for that restart and the next ones: the agent greets again.
      const greets = await lk(["restart", "--env", "ECHO_AGENT_NO_GREETING=0"]);
      expect(greets.code).toBe(0);
      expect(greets.stdout).toContain(ECHO_GREETING);
      const again = await lk(["restart"]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(ECHO_GREETING);
      expect(stateOf().daemonPid).toBe(daemonPid);
    },
    SLOW,
  );
});

describe("a restart that cannot even be planned (the Python agent's file gone)", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "is refused before anything changes: the old agent keeps serving, exit 1, saying why",
    async () => {
      box = await Sandbox.create();
      const dir = copyOfPythonAgent();
      expect((await box.session(["start", "agent.py"], { cwd: dir })).code).toBe(0);
      const { agent } = stateOf();
      renameSync(join(dir, "agent.py"), join(dir, "moved.py"));
      const restart = await box.session(["restart"]);
      expect(restart.code).toBe(1);
      expect(errors(restart)).toContain(
        `could not restart the agent: entrypoint file not found: ${join(dir, "agent.py")}`,
      );
      expect(restart.stderr).toContain("nothing was changed: the session is as it was");
      expect(stateOf().agent.pid).toBe(agent.pid);
      const say = await box.session(["say", "still here?"]);
      expect(say.code).toBe(0);
      expect(say.stdout).toContain("● Agent\n    still here?");
    },
    SLOW,
  );
});

describe("the agent's environment (the fake agent greets with FAKE_GREETING)", () => {
  test("start's shell environment and --env survive restarts run from shells without them, or with other values", async () => {
    box = await Sandbox.create();
    const start = await box.startFake({ FAKE_GREETING: "greeting from the start shell" }, [
      "--env",
      "FAKE_GREETING_HOLD_MS=1",
    ]);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain("greeting from the start shell");

    const without = await box.session(["restart"], {
      env: { FAKE_GREETING: undefined },
      cwd: FAKE_AGENT_DIR,
    });
    expect(without.code).toBe(0);
    expect(without.stdout).toContain("greeting from the start shell");
    // The restart's own shell does not count, whatever it has.
    const other = await box.session(["restart"], { env: { FAKE_GREETING: "the restart shell's" } });
    expect(other.stdout).toContain("greeting from the start shell");
    expect(other.stdout).not.toContain("the restart shell's");

    // restart --env: for that restart and every later one.
    const given = await box.session(["restart", "--env", "FAKE_GREETING=given to restart"]);
    expect(given.stdout).toContain("given to restart");
    const later = await box.session(["restart"], { env: { FAKE_GREETING: undefined } });
    expect(later.stdout).toContain("given to restart");
    const status = result(await box.session(["status", "--json"]));
    expect((status.status as Json).env).toEqual({
      FAKE_GREETING_HOLD_MS: "1",
      FAKE_GREETING: "given to restart",
    });
  });

  test("--env-file: quotes, export and comments; --env wins over it; a bad file stops start (file:line, exit 1, nothing left)", async () => {
    box = await Sandbox.create();
    const dir = tempDir("lk-envfile-");
    const good = join(dir, "agent.env");
    writeFileSync(
      good,
      '# the greeting\nexport FAKE_GREETING="hello from the file" # said on connect\n\nMODE=file\n',
    );
    const fromFile = await box.startFake({}, ["--env-file", good]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain("hello from the file");
    expect((await box.session(["end"])).code).toBe(0);

    const flagWins = await box.startFake({}, ["--env-file", good, "--env", "FAKE_GREETING=the flag wins"]);
    expect(flagWins.stdout).toContain("the flag wins");
    expect(flagWins.stdout).not.toContain("hello from the file");
    const status = result(await box.session(["status", "--json"]));
    expect((status.status as Json).env).toEqual({ FAKE_GREETING: "the flag wins", MODE: "file" });

    // A restart given a bad file: refused before anything changes.
    const bad = join(dir, "bad.env");
    writeFileSync(bad, "OK=1\noops no equals sign\n");
    const { agent } = stateOf();
    const refused = await box.session(["restart", "--env-file", bad]);
    expect(refused.code).toBe(1);
    expect(errors(refused)).toStartWith(`${bad}:2: expected NAME=VALUE (got "oops no equals sign")\n`);
    expect(stateOf().agent.pid).toBe(agent.pid);
    expect((await box.session(["end"])).code).toBe(0);

    // A start given a bad file: nothing is started, nothing left (the file named as given, relative).
    const fresh = await Sandbox.create();
    const badStart = await fresh.session(
      ["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check", "--env-file", "bad.env", "--json"],
      { cwd: dir },
    );
    expect(badStart.code).toBe(1);
    expect(result(badStart)).toMatchObject({
      ok: false,
      error: 'bad.env:2: expected NAME=VALUE (got "oops no equals sign")',
    });
    expect(await portIsFree(fresh.port)).toBe(true);
    expect(readdirSync(fresh.stateDir)).toEqual([]);
    await fresh.cleanup();
  });

  test("secret-looking names: status shows them by name only, --json as null, and no file the session writes has their values", async () => {
    box = await Sandbox.create();
    const dir = tempDir("lk-secret-");
    const file = join(dir, "secrets.env");
    writeFileSync(file, "DB_PASSWORD='hunter2-db'\n");
    const start = await box.startFake({}, [
      "--env-file",
      file,
      "--env",
      "MY_API_KEY=sk-live-123",
      "--env",
      "service_token=tok-456",
      "--env",
      "LOG_LEVEL=debug",
    ]);
    expect(start.code).toBe(0);
    expect(result(await box.session(["say", "hi", "--json"]))).toMatchObject({ ok: true });

    const status = await box.session(["status"]);
    expect(status.stdout).toContain(
      "env:          DB_PASSWORD (value hidden), MY_API_KEY (value hidden), service_token (value hidden), LOG_LEVEL=debug\n",
    );
    const json = result(await box.session(["status", "--json"]));
    expect((json.status as Json).env).toEqual({
      DB_PASSWORD: null,
      MY_API_KEY: null,
      service_token: null,
      LOG_LEVEL: "debug",
    });
    for (const run of [status, { stdout: JSON.stringify(json), stderr: "" }])
      for (const secret of ["hunter2-db", "sk-live-123", "tok-456"])
        expect(run.stdout + run.stderr).not.toContain(secret);

    // The state folder is the user's alone, its files too, and none holds a secret's value.
    const check = () => {
      expect(statSync(box.stateDir).mode & 0o777).toBe(0o700);
      const names = readdirSync(box.stateDir);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const path = join(box.stateDir, name);
        expect(statSync(path).mode & 0o077).toBe(0);
        const text = readFileSync(path, "utf8");
        for (const secret of ["hunter2-db", "sk-live-123", "tok-456"]) expect(text).not.toContain(secret);
      }
    };
    check();
    expect((await box.session(["end"])).code).toBe(0);
    // The ended record too.
    check();
    expect(readdirSync(box.stateDir)).toContain(`session-${box.port}.ended.json`);
  });
});

describe("the whole session across restarts (the real Python echo agent)", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "status: the daemon's uptime is since start, the agent's run since its restart; end sums every run",
    async () => {
      box = await Sandbox.create();
      const started = await box.session(["start", "agent.py"], { cwd: PYTHON_AGENT.dir });
      expect(started.code).toBe(0);
      expect((await box.session(["say", "one"])).code).toBe(0);
      const first = result(await box.session(["status", "--json"])).status as Json;
      expect(first).toMatchObject({ run: 1, turns: 1 });
      expect((await box.session(["restart"])).code).toBe(0);
      expect((await box.session(["say", "two"])).code).toBe(0);
      expect((await box.session(["say", "three"])).code).toBe(0);
      const second = result(await box.session(["status", "--json"])).status as Json;
      // The daemon's start is start's, not the restart's; the run is the new agent's.
      expect(second.startedAt).toBe(first.startedAt);
      expect(second).toMatchObject({ run: 2, turns: 2 });
      expect(second.runStartedAt).not.toBe(first.runStartedAt);
      const text = await box.session(["status"]);
      expect(text.stdout).toMatch(
        /\n {2}agent: +Python agent\.py in .* \(pid \d+, runtime python, up \S+, run 2\)\n/,
      );

      const ended = await box.session(["end", "--json"]);
      expect(ended.code).toBe(0);
      const summary = result(ended).summary as Json;
      expect(summary).toMatchObject({ turns: 3, runs: 2, startedAt: first.startedAt });
      // Every run's usage: the first run's, and the second's (its agent counted from zero).
      const llm = (u: unknown) =>
        (u as { kind: string; inputTokens: number }[]).find((m) => m.kind === "llm");
      expect(llm(summary.usage)?.inputTokens).toBe(
        (llm(first.usage)?.inputTokens ?? 0) + (llm(second.usage)?.inputTokens ?? 0),
      );
      expect(llm(first.usage)?.inputTokens).toBeGreaterThan(0);
      const plain = await box.lk(["agent", "session", "end", "--port", String(box.port)]);
      expect(plain.code).toBe(1);
    },
    SLOW,
  );

  test(
    "end's text names the runs when there was more than one",
    async () => {
      box = await Sandbox.create();
      expect((await box.session(["start", "agent.py"], { cwd: PYTHON_AGENT.dir })).code).toBe(0);
      expect((await box.session(["say", "one"])).code).toBe(0);
      expect((await box.session(["restart"])).code).toBe(0);
      expect((await box.session(["say", "two"])).code).toBe(0);
      const ended = await box.session(["end"]);
      expect(ended.code).toBe(0);
      expect(ended.stdout).toMatch(
        /\n {2}turns: +2\n {2}runs: +2 \(the agent was restarted; turns and usage are all runs'\)\n/,
      );
    },
    SLOW,
  );
});

describe("why an agent failed before connecting (the real Python echo agent)", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "restart into a crash in the entry: the reason is the traceback's exception line, not the last DEBUG line",
    async () => {
      box = await Sandbox.create();
      expect((await box.session(["start", "agent.py"], { cwd: PYTHON_AGENT.dir })).code).toBe(0);
      const broken = await box.session(["restart", "--env", "ECHO_AGENT_CRASH=entry"]);
      expect(broken.code).toBe(1);
      expect(errors(broken)).toStartWith(
        'could not restart the agent: the agent failed before connecting ("RuntimeError: echo agent: crash in entry requested")\n',
      );
      const status = result(await box.session(["status", "--json"]));
      expect((status.status as { agentDown: { reason: string } }).agentDown.reason).toBe(
        'the agent failed before connecting ("RuntimeError: echo agent: crash in entry requested")',
      );
    },
    SLOW,
  );
});

describe("a session that has ended says so, with the exact start command", () => {
  test("after end: when and why, and a start command that, run as printed in a shell, starts the same session", async () => {
    box = await Sandbox.create();
    const startArgs = ["agent", "session", "start", "agent.ts", "--runtime", "bun", "--skip-sdk-check"];
    const started = await box.lk(
      [
        ...startArgs,
        ...["--port", String(box.port), "--idle-timeout", "2h"],
        ...["--env", "GREETING_STYLE=warm and friendly", "--env", "MY_API_KEY=sk-123"],
        ...["--", "--smol"],
      ],
      { cwd: FAKE_AGENT_DIR, env: { FAKE_GREETING: "hi" } },
    );
    expect(started.code).toBe(0);
    expect((await box.session(["end"])).code).toBe(0);

    const command = `lk agent session start ${join(FAKE_AGENT_DIR, "agent.ts")} --port ${box.port} --runtime bun --skip-sdk-check --idle-timeout 2h --env 'GREETING_STYLE=warm and friendly' --env MY_API_KEY -- --smol`;
    for (const args of [["say", "hello?"], ["status"], ["history"], ["end"]]) {
      const after = await box.session(args);
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(
        new RegExp(
          `^the session on 127\\.0\\.0\\.1:${box.port} ended at \\d\\d:\\d\\d:\\d\\d: it was ended \\(\`lk agent session end\`\\)\n`,
        ),
      );
      expect(after.stderr).toEndWith(
        `  to start it again, run: ${command}\n  (the value of MY_API_KEY is not kept: export it in that shell first)\n`,
      );
    }
    const json = result(await box.session(["say", "hello?", "--json"]));
    expect(json.detail).toContain(`to start it again, run: ${command}`);
    // `logs` still shows that agent's log, and says it ended.
    const logs = await box.session(["logs"]);
    expect(logs.code).toBe(0);
    expect(logs.stderr).toContain(`the session on 127.0.0.1:${box.port} ended at`);

    // Pasted into a shell (lk on PATH, the secret in its environment): the same session again.
    const shell = await runProcess(["sh", "-c", command], {
      cwd: tempDir("lk-elsewhere-"),
      env: box.env({ PATH: `${join(LK, "..")}:${process.env.PATH}`, MY_API_KEY: "sk-123" }),
    });
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain("Session started.");
    const status = result(await box.session(["status", "--json"]));
    expect(status.status).toMatchObject({
      runtimeArgs: ["--smol"],
      idleTimeoutMs: 2 * 3_600_000,
      env: { GREETING_STYLE: "warm and friendly", MY_API_KEY: null },
    });
  });

  test(
    "the real Python agent, started from a shell with $VIRTUAL_ENV, an --env-file holding a secret and an --env secret: the printed start works from a fresh shell without them",
    async () => {
      requireInstalled(PYTHON_AGENT);
      box = await Sandbox.create();
      // A copy with no venv of its own: only $VIRTUAL_ENV finds the interpreter that has livekit-agents.
      const dir = tempDir("lk-py-venv-");
      copyFileSync(join(PYTHON_AGENT.dir, "agent.py"), join(dir, "agent.py"));
      const venv = realpathSync(join(PYTHON_AGENT.dir, ".venv"));
      writeFileSync(join(dir, ".env.local"), "ECHO_AGENT_NO_GREETING=1\nDEMO_API_KEY=sk-from-the-file\n");
      const shellVars = { VIRTUAL_ENV: undefined, DEMO_API_KEY: undefined, DEMO_TOKEN: undefined };
      const started = await box.session(
        ["start", "agent.py", "--env-file", ".env.local", "--env", "LOG_STYLE=plain", "--env", "DEMO_TOKEN"],
        { cwd: dir, env: { ...shellVars, VIRTUAL_ENV: venv, DEMO_TOKEN: "tok-from-the-shell" } },
      );
      expect(started.code).toBe(0);
      expect(started.stdout).not.toContain(ECHO_GREETING);
      expect((await box.session(["end"])).code).toBe(0);

      const command =
        `VIRTUAL_ENV=${venv} lk agent session start ${join(dir, "agent.py")} --port ${box.port} ` +
        `--env-file ${join(dir, ".env.local")} --env LOG_STYLE=plain --env DEMO_TOKEN`;
      const after = await box.session(["status"]);
      expect(after.code).toBe(1);
      expect(after.stderr).toEndWith(
        `  to start it again, run: ${command}\n  (the value of DEMO_TOKEN is not kept: export it in that shell first)\n`,
      );
      for (const secret of ["sk-from-the-file", "tok-from-the-shell"])
        expect(after.stderr).not.toContain(secret);

      // Without the prefix, this shell (no $VIRTUAL_ENV, the copy has no venv) finds no agent SDK.
      const bare = await runProcess(["sh", "-c", command.replace(/^VIRTUAL_ENV=\S+ /, "")], {
        cwd: tempDir("lk-elsewhere-"),
        env: box.env({ ...shellVars, PATH: `${join(LK, "..")}:${process.env.PATH}`, DEMO_TOKEN: "tok-2" }),
      });
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain("livekit-agents");
      // As printed, from elsewhere, the secret of the command line given (the note says so), the file's not.
      const shell = await runProcess(["sh", "-c", command], {
        cwd: tempDir("lk-elsewhere-"),
        env: box.env({ ...shellVars, PATH: `${join(LK, "..")}:${process.env.PATH}`, DEMO_TOKEN: "tok-2" }),
      });
      expect(shell.code).toBe(0);
      expect(shell.stdout).toContain("Session started.");
      expect(shell.stdout).not.toContain(ECHO_GREETING);
      const status = result(await box.session(["status", "--json"]));
      expect(status.status).toMatchObject({
        env: { ECHO_AGENT_NO_GREETING: "1", DEMO_API_KEY: null, LOG_STYLE: "plain", DEMO_TOKEN: null },
      });
      const record = JSON.parse(readFileSync(join(box.stateDir, `session-${box.port}.json`), "utf8"));
      expect(record.agent.argv[0]).toBe(join(venv, "bin", "python"));
      const said = await box.session(["say", "hello there"]);
      expect(said.code).toBe(0);
      expect(said.stdout).toContain("hello there");
    },
    SLOW,
  );

  test("a daemon killed outright: the next commands say so, with the start command", async () => {
    box = await Sandbox.create();
    expect((await box.startFake({}, ["--env", "MODE=kill"])).code).toBe(0);
    const { daemonPid } = stateOf();
    process.kill(daemonPid, "SIGKILL");
    for (let i = 0; i < 500 && processAlive(daemonPid); i++) await Bun.sleep(10);
    await untilPortFree(box.port);
    const command = `lk agent session start ${join(FAKE_AGENT_DIR, "agent.ts")} --port ${box.port} --runtime bun --skip-sdk-check --env MODE=kill`;
    const first = await box.session(["say", "anyone?"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`ended at`);
    expect(first.stderr).toContain(`its daemon (pid ${daemonPid}) was found gone (killed, or it crashed)`);
    expect(first.stderr).toContain(`removed a stale session record: its daemon (pid ${daemonPid}) is gone`);
    expect(first.stderr).toEndWith(`  to start it again, run: ${command}\n`);
    // And the one after it, from the record the first one left.
    const second = await box.session(["status"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`its daemon (pid ${daemonPid}) was found gone`);
    expect(second.stderr).not.toContain("removed a stale session record");
    expect(second.stderr).toEndWith(`  to start it again, run: ${command}\n`);
  });
});

describe("without an agent (the fake agent, made to crash by restart --env)", () => {
  test("the idle timeout still ends the session; the message then names the start command with the restart's --env", async () => {
    box = await Sandbox.create();
    expect((await box.startFake({}, ["--idle-timeout", "0"])).code).toBe(0);
    const broken = await box.session([
      "restart",
      "--env",
      "FAKE_CRASH=before-connect",
      "--idle-timeout",
      "2s",
    ]);
    expect(broken.code).toBe(1);
    expect(errors(broken)).toStartWith(
      "could not restart the agent: the agent exited with code 1 before connecting\n",
    );
    expect(broken.stderr).toContain("fake-agent: something is badly configured");
    const status = result(await box.session(["status", "--json"]));
    expect(status.status).toMatchObject({ agentPid: 0, agentState: "down", idleTimeoutMs: 2000 });

    await untilPortFree(box.port);
    const say = await box.session(["say", "hello?"]);
    expect(say.code).toBe(1);
    expect(say.stderr).toContain("it was idle, with no command for 2s (--idle-timeout; 0: never)");
    expect(say.stderr).toContain(
      `to start it again, run: lk agent session start ${join(FAKE_AGENT_DIR, "agent.ts")} --port ${box.port} --runtime bun --skip-sdk-check --idle-timeout 2s --env FAKE_CRASH=before-connect`,
    );
  });

  test("end works while the agent is down; an events feed follows the session across restarts", async () => {
    box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
    const feed = watch(box, ["events"]);
    expect((await box.session(["say", "before the restart"])).code).toBe(0);
    expect(await feed.until("before the restart")).toBe(true);
    expect((await box.session(["restart", "--env", "FAKE_CRASH=before-connect"])).code).toBe(1);
    expect((await box.session(["restart", "--env", "FAKE_CRASH="])).code).toBe(0);
    expect((await box.session(["say", "after the restart"])).code).toBe(0);
    expect(await feed.until("after the restart")).toBe(true);
    expect((await box.session(["restart", "--env", "FAKE_CRASH=before-connect"])).code).toBe(1);
    const { daemonPid } = stateOf();
    const end = await box.session(["end"]);
    expect(end.code).toBe(0);
    expect(end.stdout).toStartWith("Session ended.\n");
    expect(end.stdout).toContain(`  logs kept:    ${join(box.stateDir, `session-${box.port}.agent.log`)}  (`);
    // Four agents, four runs (the last three kept), each ended once, saying why: an end while the
    // agent is down adds nothing to the failed run's log.
    const failedToStart = "failed to start: the agent exited with code 1 before connecting";
    expect(runMarkers(0)).toEqual(["── run 4 (restart): agent.ts ──", `── run 4 ended: ${failedToStart} ──`]);
    expect(runMarkers(1)).toEqual([
      "── run 3 (restart): agent.ts ──",
      '── turn 1: "after the restart" ──',
      "── run 3 ended: restarted ──",
    ]);
    expect(runMarkers(2)).toEqual(["── run 2 (restart): agent.ts ──", `── run 2 ended: ${failedToStart} ──`]);
    expect((await box.session(["logs"])).stdout).toContain("fake-agent: something is badly configured");
    expect(processAlive(daemonPid)).toBe(false);
    expect(await portIsFree(box.port)).toBe(true);
    const watched = await feed.finished();
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain("session ended: end requested");
  });

  test("a failed first start is as before: exit 1, its output, nothing running, no ended record", async () => {
    box = await Sandbox.create();
    const start = await box.startFake({ FAKE_CRASH: "before-connect" });
    expect(start.code).toBe(1);
    expect(start.stderr).toStartWith(
      "could not start the session: the agent exited with code 1 before connecting",
    );
    expect(await portIsFree(box.port)).toBe(true);
    expect(readdirSync(box.stateDir).filter((f) => f.endsWith(".json"))).toEqual([]);
    const say = await box.session(["say", "hi"]);
    expect(say.stderr).toStartWith("no session running");
  });
});
