// `lk agent session test` through dist/lk: scenarios against the real Python and Node echo agents
// (passing, failing, jobs, shards, repeats, JUnit, recorded tests), bad input that starts nothing,
// and the unhappy paths (agent errors, crashes, Ctrl-C) with the protocol-level fake agent.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { isAlive } from "../../src/agent/pids.ts";
import { cleanupAll, FAKE_AGENT_DIR, LK, REPO, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { NODE_AGENT, PYTHON_AGENT, type RealAgent, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
afterAll(cleanupAll);

type Json = Record<string, unknown>;

/** Every NDJSON line; the last is the one result line. */
function ndjson(run: RunResult): { records: Json[]; result: Json } {
  const records = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Json);
  const result = records.at(-1) as Json;
  expect(result).toMatchObject({ v: 1, kind: "result", command: "test", exitCode: run.code });
  return { records, result };
}

const of = (records: Json[], kind: string) => records.filter((r) => r.kind === kind);

/** A folder of scenario files: name → YAML. */
function scenarios(files: Record<string, string>): string {
  const dir = tempDir("lk-scenarios-");
  for (const [name, yaml] of Object.entries(files)) writeFileSync(join(dir, name), yaml);
  return dir;
}

const entry = (agent: RealAgent) => join(agent.dir, agent.entry);

/** `lk agent session test ARGS` in the sandbox (its own state folder), from `cwd`. */
const runTest = (box: Sandbox, args: string[], cwd = REPO, env: Record<string, string> = {}) =>
  box.lk(["agent", "session", "test", ...args], { cwd, env });

/** No session record, log or ready file left in the sandbox's state folder. */
const stateFiles = (box: Sandbox) => readdirSync(box.stateDir);

for (const agent of [NODE_AGENT, PYTHON_AGENT]) {
  describe(`${agent.name} echo agent`, () => {
    let box: Sandbox;
    beforeAll(async () => {
      requireInstalled(agent);
      box = await Sandbox.create();
    });
    afterAll(async () => {
      if (box) await box.cleanup();
    });

    test(
      "a passing multi-turn scenario: tool, args, output, no_tool, handoff (from), reply, negation, latency, error",
      async () => {
        const folder = join(REPO, "test", "fixtures", "scenarios", agent.name === "python" ? "py" : "node");
        const run = await runTest(box, [folder, "--json"]);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        const { records, result } = ndjson(run);
        const turns = of(records, "turn");
        expect(turns.map((t) => [t.turn, t.ok])).toEqual([
          [1, true],
          [2, true],
          [3, true],
          [4, true],
        ]);
        const kinds = turns.flatMap((t) => (t.expectations as Json[]).map((e) => e.kind));
        for (const kind of ["tool", "reply", "no_tool", "latency", "handoff", "error"])
          expect(kinds).toContain(kind);
        expect((turns[1] as Json).reply).toBe("Hi, this is the billing agent. How can I help?");
        expect(of(records, "scenario")).toMatchObject([
          {
            name: `weather, then billing (${agent.name === "python" ? "py" : "node"})`,
            status: "passed",
            turns: 4,
          },
        ]);
        expect(result).toMatchObject({ ok: true, scenarios: 1, passed: 1, failed: 0, errors: 0 });
        expect(stateFiles(box)).toEqual([]);
      },
      SLOW,
    );

    test(
      "a failing one: exit 2, the expectation, the actual tool arguments, latency, the agent's log; later turns not played",
      async () => {
        const dir = scenarios({
          "wrong-city.lktest.yaml": `agent: ${entry(agent)}
turns:
  - user: what's the weather in Paris?
    expect:
      - tool: lookup_weather
        args: { location: London }
      - latency: { turn: 1ms }
  - user: never played
`,
        });
        const run = await runTest(box, [dir]);
        expect(run.code).toBe(2);
        expect(run.stdout).toContain("✗ wrong-city");
        expect(run.stdout).toContain("failed at turn 1");
        expect(run.stdout).toContain("turn 1 (line 3): what's the weather in Paris?");
        expect(run.stdout).toContain(
          '- expected a call to lookup_weather with arguments containing {"location":"London"}',
        );
        expect(run.stdout).toContain("- expected the turn within 1 ms");
        expect(run.stdout).toMatch(
          /lookup_weather \{"location": ?"Paris"\} → sunny with a temperature of 70 degrees\./,
        );
        expect(run.stdout).toContain("The weather in Paris is sunny");
        expect(run.stdout).toMatch(/\+ latency: turn \d+ ms, e2e not reported/);
        expect(run.stdout).toContain("agent log (last lines):");
        expect(run.stdout).toContain("1 scenario: 0 passed, 1 failed");
        expect(run.stdout).not.toContain("never played");
        expect(run.stderr).toContain("1 of 1 scenario did not pass");
        expect(stateFiles(box)).toEqual([]);
      },
      SLOW,
    );
  });
}

describe("suites on the Python echo agent: --jobs, --shard", () => {
  const CITIES = ["Lima", "Oslo", "Quito", "Rome", "Tokyo", "Nairobi"];
  let box: Sandbox;
  let dir: string;
  beforeAll(async () => {
    requireInstalled(PYTHON_AGENT);
    box = await Sandbox.create();
    dir = scenarios(
      Object.fromEntries(
        CITIES.map((city, i) => [
          `${i + 1}-${city.toLowerCase()}.lktest.yaml`,
          `name: ${city}
agent: ${entry(PYTHON_AGENT)}
turns:
  - user: what's the weather in ${city}?
    expect:
      - tool: lookup_weather
        args: { location: ${city} }
      - reply: The weather in ${city} is sunny
  - user: please repeat ${city} back
    expect:
      - reply: please repeat ${city} back
`,
        ]),
      ),
    );
  });
  afterAll(async () => {
    if (box) await box.cleanup();
  });

  test(
    "--jobs 3 on 6 scenarios: all pass, each on its own port, each reply its own scenario's (no cross-talk)",
    async () => {
      const run = await runTest(box, [dir, "--jobs", "3", "--json"]);
      expect(run.code).toBe(0);
      const { records, result } = ndjson(run);
      const turns = of(records, "turn");
      expect(turns).toHaveLength(12);
      for (const t of turns) {
        const city = t.scenario as string;
        expect(t.reply as string).toContain(city);
        for (const other of CITIES.filter((c) => c !== city)) expect(t.reply as string).not.toContain(other);
        const calls = (t.events as Json[]).filter((e) => e.type === "tool_call");
        if (t.turn === 1) expect(JSON.parse(calls[0]?.arguments as string)).toEqual({ location: city });
      }
      const runs = of(records, "scenario");
      expect(runs.map((r) => r.name).sort()).toEqual([...CITIES].sort());
      expect(new Set(runs.map((r) => r.port)).size).toBe(6);
      expect(runs.map((r) => r.port)).not.toContain(8775);
      expect(result).toMatchObject({ scenarios: 6, passed: 6 });
      expect(stateFiles(box)).toEqual([]);
    },
    SLOW,
  );

  test(
    "--shard 2/3 runs exactly its third: the 2nd and the 5th file",
    async () => {
      const run = await runTest(box, [dir, "--shard", "2/3", "--json"]);
      expect(run.code).toBe(0);
      const { records, result } = ndjson(run);
      expect(of(records, "scenario").map((r) => r.name)).toEqual(["Oslo", "Tokyo"]);
      expect((result.results as Json[]).map((r) => r.file)).toEqual([
        join(dir, "2-oslo.lktest.yaml"),
        join(dir, "5-tokyo.lktest.yaml"),
      ]);
    },
    SLOW,
  );
});

describe("on the Node echo agent: --repeat, --junit, the default folder", () => {
  let box: Sandbox;
  beforeAll(async () => {
    requireInstalled(NODE_AGENT);
    box = await Sandbox.create();
  });
  afterAll(async () => {
    if (box) await box.cleanup();
  });

  const passing = () => `agent: ${entry(NODE_AGENT)}
turns:
  - user: what's the weather in Paris?
    expect:
      - tool: lookup_weather
        output: sunny
`;

  test(
    "--repeat 3: three fresh runs, a pass rate",
    async () => {
      const dir = scenarios({ "paris.lktest.yaml": passing() });
      const run = await runTest(box, [dir, "--repeat", "3", "--min-pass-rate", "0.8"]);
      expect(run.code).toBe(0);
      for (const n of [1, 2, 3]) expect(run.stdout).toContain(`✓ paris (run ${n}/3)`);
      expect(run.stdout).toContain("pass rates (3 runs each; a scenario passes at 80% or more):");
      expect(run.stdout).toContain("✓ 3/3 100%  paris");
      const json = ndjson(await runTest(box, [dir, "--repeat", "3", "--json"]));
      expect(json.result).toMatchObject({
        runs: 3,
        passRate: 1,
        results: [{ name: "paris", runs: 3, passed: 3 }],
      });
    },
    SLOW,
  );

  test(
    "--junit: one testsuite per file, one testcase per scenario, the failure's expected and actual text, the agent log",
    async () => {
      const dir = scenarios({
        "a-pass.lktest.yaml": passing(),
        "b-fail.lktest.yaml": `name: handoff expected
agent: ${entry(NODE_AGENT)}
turns:
  - user: what's the weather in Oslo?
    expect:
      - handoff: billing_agent
`,
        "c-billing.lktest.yaml": `agent: ${entry(NODE_AGENT)}
turns:
  - user: transfer me to billing
    expect:
      - handoff: billing_agent
`,
      });
      const report = join(dir, "report.xml");
      const run = await runTest(box, [dir, "--junit", report], dir);
      expect(run.code).toBe(2);
      expect(run.stdout).toContain("JUnit report: report.xml");
      const xml = readFileSync(report, "utf8");
      const doc = new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: "",
        cdataPropName: "cdata",
      }).parse(xml).testsuites;
      expect(doc).toMatchObject({ tests: "3", failures: "1", errors: "0" });
      const suites = doc.testsuite as Json[];
      expect(suites.map((s) => [s.name, s.tests, s.failures])).toEqual([
        ["a-pass.lktest.yaml", "1", "0"],
        ["b-fail.lktest.yaml", "1", "1"],
        ["c-billing.lktest.yaml", "1", "0"],
      ]);
      const failed = (suites[1] as Json).testcase as Json;
      expect(failed.name).toBe("handoff expected");
      const failure = failed.failure as Json;
      expect(failure.message).toBe("expectation failed: expected a handoff to billing_agent");
      const text = [failure.cdata].flat().join("");
      expect(text).toContain("- expected a handoff to billing_agent");
      expect(text).toContain("The weather in Oslo is sunny");
      expect(text).toMatch(/lookup_weather \{"location": ?"Oslo"\}/);
      const log = [(failed["system-out"] as Json).cdata].flat().join("");
      expect(log).toContain("lookup_weather");
      expect(stateFiles(box)).toEqual([]);
    },
    SLOW,
  );

  test(
    "no paths: the project's tests/ folder",
    async () => {
      const project = tempDir("lk-project-");
      writeFileSync(join(project, "package.json"), "{}");
      const dir = join(project, "tests");
      await Bun.write(join(dir, "nested", "paris.lktest.yml"), passing());
      await Bun.write(join(project, "elsewhere.lktest.yaml"), "not: run\n");
      const run = await runTest(box, [], dir);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("✓ paris  nested/paris.lktest.yml  1 turn");
    },
    SLOW,
  );
});

describe("recorded tests pass when run again", () => {
  for (const [agent, how] of [
    [PYTHON_AGENT, "end"],
    [NODE_AGENT, "history"],
  ] as const) {
    test(
      `${agent.name}: say, say, say, ${how} --save-test, then test it`,
      async () => {
        requireInstalled(agent);
        const box = await Sandbox.create();
        const dir = tempDir("lk-recorded-");
        const file = join(dir, "recorded.lktest.yaml");
        try {
          expect((await box.session(["start", agent.entry], { cwd: agent.dir })).code).toBe(0);
          for (const text of [
            "what's the weather in Lisbon?",
            "transfer me to billing",
            "this will fail",
            "bye",
          ])
            expect((await box.session(["say", text])).code).toBe(0);
          const saved = await box.session([how, "--save-test", file]);
          expect(saved.code).toBe(0);
          expect(saved.stdout).toContain(`Saved 4 turns as a test: ${file}`);
          if (how === "history") expect((await box.session(["end"])).code).toBe(0);
          const yaml = readFileSync(file, "utf8");
          expect(yaml).toContain(`agent: "${entry(agent)}"`);
          expect(yaml).toContain('args: {"location":"Lisbon"}');
          expect(yaml).toContain('handoff: "billing_agent"');
          expect(yaml).toContain("reply: '/Hi, this is the billing agent\\./i'");
          const again = await runTest(box, [file]);
          expect(again.stdout).toContain("✓ recorded");
          expect(again.code).toBe(0);
        } finally {
          await box.cleanup();
        }
      },
      SLOW,
    );
  }
});

describe("bad input: a clear error, exit 1, and no agent started", () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterAll(async () => {
    if (box) await box.cleanup();
  });

  const cases: [string, string, string][] = [
    [
      "malformed YAML",
      "name: x\nturns:\n  - user: hi\n    expect: [ { reply: x }\n",
      "bad.lktest.yaml:4: not valid YAML",
    ],
    [
      "wrong types",
      "timeout: 60\nturns:\n  - user: hi\n",
      "bad.lktest.yaml:1: timeout: expected a duration like 2s",
    ],
    [
      "an unknown key",
      "turns:\n  - user: hi\n    expects: []\n",
      'bad.lktest.yaml:3: unknown key "expects" in a turn',
    ],
    ["an empty file", "", "bad.lktest.yaml:1: the file is empty"],
    [
      "a regex that does not compile",
      "turns:\n  - user: hi\n    expect:\n      - reply: /(oops/\n",
      "bad.lktest.yaml:4: turns[0].expect[0].reply: /(oops/ is not a valid regular expression",
    ],
    [
      "a missing agent",
      "agent: ../nowhere/agent.py\nturns:\n  - user: hi\n",
      "bad.lktest.yaml:1: agent: entrypoint file not found: ../nowhere/agent.py",
    ],
  ];
  for (const [what, yaml, message] of cases) {
    test(what, async () => {
      const dir = scenarios({
        "bad.lktest.yaml": yaml,
        "good.lktest.yaml": `agent: ${entry(NODE_AGENT)}\nturns:\n  - user: hi\n`,
      });
      const run = await runTest(box, [dir], dir);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toStartWith(message);
      const json = await runTest(box, [dir, "--json"], dir);
      expect(json.stdout.trim().split("\n")).toHaveLength(1);
      expect(ndjson(json).result.error as string).toStartWith(message);
      expect(stateFiles(box)).toEqual([]);
    });
  }

  test("a path that does not exist, and a folder without scenarios", async () => {
    const empty = tempDir("lk-empty-");
    expect((await runTest(box, ["nope.lktest.yaml"], empty)).stderr).toStartWith(
      "no such file or folder: nope.lktest.yaml",
    );
    expect((await runTest(box, [empty])).stderr).toStartWith(`no scenarios in ${empty}`);
    expect((await runTest(box, ["--shard", "4/3"])).stderr).toStartWith("--shard must be I/N");
  });
});

describe("with the fake agent: agent errors, crashes, Ctrl-C, say --expect-tool/--expect-handoff, replay", () => {
  const FAKE = ["--runtime", "bun", "--skip-sdk-check"];
  const fakeAgent = join(FAKE_AGENT_DIR, "agent.ts");
  let box: Sandbox;
  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterAll(async () => {
    if (box) await box.cleanup();
  });

  test("error: true expects an agent error; without it an agent error fails the turn (exit 2)", async () => {
    const dir = scenarios({
      "expected.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: "!error please"\n    expect:\n      - error: true\n  - user: after\n    expect:\n      - reply: after\n`,
      "unexpected.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: "!error please"\n`,
    });
    const run = await runTest(box, [dir, ...FAKE]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("✓ expected");
    expect(run.stdout).toContain("✗ unexpected");
    expect(run.stdout).toContain("- expected no agent error");
    expect(run.stdout).toContain("+ agent error:");
  });

  test("tool_error: false fails a turn whose tool failed though the agent recovered (exit 2)", async () => {
    const dir = scenarios({
      "recovered.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: this will fail\n    expect:\n      - tool_error: true\n  - user: this will fail again\n    expect:\n      - tool_error: false\n`,
    });
    const run = await runTest(box, [dir, ...FAKE]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("- expected no failing tool");
    expect(run.stdout).toContain("check_inventory ✗ An internal error occurred");
  });

  test("an agent that crashes mid-turn: could not run (exit 1), its session gone", async () => {
    const dir = scenarios({ "crash.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: "!crash now"\n` });
    const run = await runTest(box, [dir, ...FAKE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ crash");
    expect(run.stdout).toContain("could not run");
    expect(run.stdout).toContain("1 could not run");
    expect(stateFiles(box)).toEqual([]);
  });

  test("Ctrl-C in the middle of a turn: every session ended, exit 130, one result line", async () => {
    const dir = scenarios({
      "slow.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: hello\n  - user: "!slow 60000 wait"\n`,
    });
    const child = Bun.spawn([LK, "agent", "session", "test", dir, ...FAKE, "--json"], {
      cwd: REPO,
      env: box.env() as Record<string, string>,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = child.stdout.getReader();
    let stdout = "";
    while (!stdout.includes('"kind":"turn"')) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    const daemonPid = JSON.parse(
      readFileSync(
        join(box.stateDir, readdirSync(box.stateDir).find((f) => f.endsWith(".json")) as string),
        "utf8",
      ),
    ).daemonPid as number;
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    expect(await child.exited).toBe(130);
    const records = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Json);
    expect(records.filter((r) => r.kind === "result")).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ kind: "result", exitCode: 130, interrupted: 1 });
    expect(of(records, "scenario")).toMatchObject([{ status: "interrupted" }]);
    expect(isAlive(daemonPid)).toBe(false);
    expect(stateFiles(box)).toEqual([]);
  });

  test("say --fail-on-tool-error: exit 2 when a tool failed, even though the agent answered", async () => {
    expect((await box.startFake()).code).toBe(0);
    const plain = await box.session(["say", "this will fail"]);
    expect(plain.code).toBe(0);
    const strict = await box.session(["say", "this will fail", "--fail-on-tool-error", "--json"]);
    expect(strict.code).toBe(2);
    const result = JSON.parse(strict.stdout.trim().split("\n").at(-1) as string);
    expect(result.expectations).toEqual([{ kind: "tool_error", expected: "no failing tool", ok: false }]);
    expect(result.reply).not.toBe("");
    expect((await box.session(["say", "hello", "--fail-on-tool-error"])).code).toBe(0);
    await box.session(["end"]);
  });

  test("say --expect-tool NAME:JSON and --expect-handoff NAME: one matcher with test", async () => {
    expect((await box.startFake()).code).toBe(0);
    const ok = await box.session([
      "say",
      "what's the weather in Paris?",
      "--expect-tool",
      'lookup_weather:{"location":"Paris"}',
    ]);
    expect(ok.code).toBe(0);
    const wrong = await box.session([
      "say",
      "weather in Paris?",
      "--expect-tool",
      'lookup_weather:{"location":"Rome"}',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'expected a call to lookup_weather with arguments containing {"location":"Rome"}',
    );
    expect(wrong.stderr).toMatch(/lookup_weather \{"location": ?"Paris"\}/);
    expect(
      (await box.session(["say", "transfer me to billing", "--expect-handoff", "billing_agent"])).code,
    ).toBe(0);
    const none = await box.session(["say", "hello", "--expect-handoff", "billing_agent", "--json"]);
    expect(none.code).toBe(2);
    const result = JSON.parse(none.stdout.trim().split("\n").at(-1) as string);
    expect(result.expectations).toEqual([
      { kind: "handoff", expected: "a handoff to billing_agent", ok: false },
    ]);
  });

  test("a plain replay file runs as a scenario, its agent found from its folder as start finds it", async () => {
    const project = tempDir("lk-replay-project-");
    writeFileSync(join(project, "package.json"), "{}");
    writeFileSync(join(project, "agent.ts"), `import ${JSON.stringify(pathToFileURL(fakeAgent).href)};\n`);
    writeFileSync(
      join(project, "talk.txt"),
      "# a conversation\nweather in Bern?\n? /bern/i\nhello\n?! goodbye\n",
    );
    const run = await runTest(box, ["talk.txt", ...FAKE], project);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("✓ talk  talk.txt  2 turns");
    expect(run.code).toBe(0);
  });

  test("replay takes a scenario file and checks it in the running session", async () => {
    const dir = scenarios({
      "talk.lktest.yaml": `agent: ${fakeAgent}\nturns:\n  - user: what's the weather in Bern?\n    expect:\n      - tool: lookup_weather\n        args: { location: Bern }\n      - reply: Bern\n`,
    });
    const run = await box.session(["replay", join(dir, "talk.lktest.yaml")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '✓ expect a call to lookup_weather with arguments containing {"location":"Bern"}',
    );
    expect(run.stdout).toContain("✓ expect Bern");
    expect(run.stderr).toContain("note: replay uses the running session");
  });
});
