// A conversation saved as a scenario: turns cut at user messages, the expectations taken from what
// happened, and a file the scenario parser reads back to the same turns.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import end from "../../src/commands/end.ts";
import history from "../../src/commands/history.ts";
import type { DeliveredEvent, SessionEvent } from "../../src/protocol/events.ts";
import { firstSentence, recordedTurns, scenarioYaml } from "../../src/session/record-test.ts";
import { parseScenario } from "../../src/session/scenario.ts";
import { env, fake, fakeState, PORT } from "../helpers/fake-session.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A history as the Python echo agent answers it: greeting first, then three turns. */
const HISTORY: SessionEvent[] = [
  { type: "handoff", to: "echo_agent" },
  { type: "message", role: "assistant", text: "Hello! I'm the echo agent. Ask me about the weather." },
  { type: "message", role: "user", text: "what's the weather in Paris?" },
  { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: '{"location": "Paris"}' },
  { type: "tool_output", name: "lookup_weather", callId: "c1", output: "sunny", isError: false },
  {
    type: "message",
    role: "assistant",
    text: "The weather in Paris is sunny with a temperature of 70 degrees.",
  },
  { type: "message", role: "user", text: "transfer me to billing" },
  { type: "tool_call", name: "transfer_to_billing", callId: "c2", arguments: "{}" },
  { type: "handoff", from: "echo_agent", to: "billing_agent" },
  { type: "message", role: "assistant", text: "Hi, this is the billing agent. How can I help?" },
  { type: "message", role: "user", text: 'say "C:\\temp" (1+1)?' },
  { type: "message", role: "assistant", text: 'say "C:\\temp" (1+1)?' },
];
const events = HISTORY.map((e, i) => ({ ...e, at: i }) as DeliveredEvent);
const state = fakeState({
  agent: { ...fakeState().agent, root: "/work/agent", entry: "src/agent.py", runtimeArgs: ["-X", "dev"] },
});

describe("recording", () => {
  test("turns start at user messages; the greeting before them is left out", () => {
    expect(recordedTurns(events)).toEqual([
      {
        text: "what's the weather in Paris?",
        tools: [{ name: "lookup_weather", args: { location: "Paris" } }],
        handoffs: [],
        reply: ["The weather in Paris is sunny with a temperature of 70 degrees."],
      },
      {
        text: "transfer me to billing",
        tools: [{ name: "transfer_to_billing" }],
        handoffs: [{ from: "echo_agent", to: "billing_agent" }],
        reply: ["Hi, this is the billing agent. How can I help?"],
      },
      { text: 'say "C:\\temp" (1+1)?', tools: [], handoffs: [], reply: ['say "C:\\temp" (1+1)?'] },
    ]);
  });

  test("the first sentence", () => {
    expect(firstSentence("Hi, this is the billing agent. How can I help?")).toBe(
      "Hi, this is the billing agent.",
    );
    expect(firstSentence("It is 3.5 degrees. Cold!")).toBe("It is 3.5 degrees.");
    expect(firstSentence("no punctuation\nsecond line")).toBe("no punctuation");
    expect(firstSentence("")).toBe("");
  });

  test("the YAML reads back as a scenario: entry relative to the file, args, turns, expectations", () => {
    const file = "/work/agent/tests/saved.lktest.yaml";
    const yaml = scenarioYaml(events, state, file, "lk agent session end --save-test");
    expect(yaml).toContain('agent: "../src/agent.py"\n');
    expect(yaml).toContain("reply: '/Hi, this is the billing agent\\./i'");
    const s = parseScenario(yaml, file);
    expect(s).toMatchObject({ name: "saved", agent: "../src/agent.py", args: ["-X", "dev"] });
    expect(s.turns.map((t) => t.text)).toEqual([
      "what's the weather in Paris?",
      "transfer me to billing",
      'say "C:\\temp" (1+1)?',
    ]);
    expect(s.turns[0]?.expectations).toMatchObject([
      { kind: "tool", name: "lookup_weather", args: { location: "Paris" } },
      { kind: "reply", negated: false },
    ]);
    expect(s.turns[1]?.expectations.map((e) => e.kind)).toEqual(["tool", "handoff", "reply"]);
    // The reply pattern: a case-insensitive substring of the reply, special characters and all.
    const pattern = (n: number) => {
      const e = s.turns[n]?.expectations.at(-1);
      return e?.kind === "reply" ? e.pattern : undefined;
    };
    expect(pattern(1)?.test("hi, THIS is the billing agent. Anything else?")).toBe(true);
    expect(pattern(1)?.test("Hi, this is the billing agent")).toBe(false);
    expect(pattern(2)?.test('SAY "c:\\temp" (1+1)?')).toBe(true);
  });

  test("an entrypoint sharing only the root with the test's folder is written absolute", () => {
    const yaml = scenarioYaml(events, state, "/tmp/x/saved.lktest.yaml", "how");
    expect(yaml).toContain('agent: "/work/agent/src/agent.py"');
  });
});

describe("--save-test", () => {
  const answer = () => ({ events: HISTORY });

  test("end --save-test: the test written, then the session stopped", async () => {
    const file = join(dir, "ended.lktest.yaml");
    const o = end.parse(["--save-test", file], env());
    const f = fake({ command: "end", answer });
    const outcome = await end.run(o, f.io);
    expect(f.sent).toEqual([{ cmd: "history" }]);
    expect(f.stops).toHaveLength(1);
    expect(outcome.fields?.savedTest).toEqual({ file, turns: 3 });
    expect(parseScenario(readFileSync(file, "utf8"), file).turns).toHaveLength(3);
    expect(f.out()).toContain(`Saved 3 turns as a test: ${file}`);
  });

  test("with --transcript too: one history fetched for both", async () => {
    const o = end.parse(
      ["--save-test", join(dir, "both.lktest.yaml"), "--transcript", join(dir, "t.md")],
      env(),
    );
    const f = fake({ command: "end", answer });
    await end.run(o, f.io);
    expect(f.sent).toEqual([{ cmd: "history", earlierRuns: true }]);
  });

  test("nothing said yet, or an unwritable file: the session keeps running", async () => {
    const empty = fake({ command: "end", answer: () => ({ events: HISTORY.slice(0, 2) }) });
    await expect(
      end.run(end.parse(["--save-test", join(dir, "e.lktest.yaml")], env()), empty.io),
    ).rejects.toThrow("nothing to save as a test");
    expect(empty.stops).toEqual([]);
    const unwritable = fake({ command: "end", answer });
    await expect(
      end.run(end.parse(["--save-test", "/nonexistent-dir/x.lktest.yaml"], env()), unwritable.io),
    ).rejects.toThrow("could not write the test to /nonexistent-dir/x.lktest.yaml");
    expect(unwritable.stops).toEqual([]);
  });

  test("history --save-test: shown as always, and saved", async () => {
    const file = join(dir, "history.lktest.yaml");
    const f = fake({ command: "history", answer });
    const outcome = await history.run(history.parse(["--save-test", file], env({}, { cwd: "/" })), f.io);
    expect(f.out()).toContain("● You\n    transfer me to billing");
    expect(outcome.fields?.savedTest).toEqual({ file, turns: 3 });
    expect(f.stops).toEqual([]);
    expect(f.finds[0]?.port).toBe(PORT);
  });
});
