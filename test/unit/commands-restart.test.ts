// restart --replay with a fake session client: the history read before the old agent goes, its user
// turns sent again in order, a report (exit 0) whatever changed, and a failed turn ending it.

import { describe, expect, test } from "bun:test";
import restart, { type RestartOptions } from "../../src/commands/restart.ts";
import type { ControlCommand } from "../../src/protocol/control.ts";
import type { SessionEvent } from "../../src/protocol/events.ts";
import { type Answer, env, fake, fakeState, PORT } from "../helpers/fake-session.ts";
import { FAKE_AGENT_DIR } from "../helpers/lk.ts";

const state = fakeState({
  agent: { ...fakeState().agent, runtime: "bun", entry: "agent.ts", root: FAKE_AGENT_DIR },
  launch: { connectTimeoutMs: 60_000, skipSdkCheck: true, runtime: "bun" },
});
const found = { kind: "running", port: PORT, state } as const;

const options = (over: Partial<RestartOptions> = {}): RestartOptions => ({
  json: false,
  port: PORT,
  connectTimeoutMs: undefined,
  idleTimeoutMs: undefined,
  replay: true,
  env: { vars: {}, files: [] },
  ...over,
});

const HISTORY: SessionEvent[] = [
  { type: "message", role: "assistant", text: "Hello!" },
  { type: "message", role: "user", text: "what's the weather in Paris?" },
  { type: "tool_call", name: "lookup_weather", callId: "c1", arguments: '{"location":"Paris"}' },
  { type: "message", role: "assistant", text: "The weather in Paris is sunny." },
  { type: "message", role: "user", text: "hello" },
  { type: "message", role: "assistant", text: "hello" },
];

/** The history above; each say answered by `reply` (the weather turn keeps its tool call). */
function agent(reply: (text: string) => Answer): (cmd: ControlCommand) => Answer {
  return (cmd) => {
    if (cmd.cmd === "history") return { events: HISTORY };
    if (cmd.cmd !== "say") return {};
    return reply(cmd.text);
  };
}

const rainy = agent((text) =>
  text.includes("weather")
    ? {
        events: [
          { type: "message", role: "user", text },
          { type: "tool_call", name: "lookup_weather", callId: "c2", arguments: '{"location":"Paris"}' },
          { type: "message", role: "assistant", text: "The weather in Paris is rainy." },
        ],
      }
    : {
        events: [
          { type: "message", role: "user", text },
          { type: "message", role: "assistant", text },
        ],
      },
);

describe("restart --replay", () => {
  test("parse: --replay is off unless given", () => {
    expect(restart.parse([], env()).replay).toBe(false);
    expect(restart.parse(["--replay"], env()).replay).toBe(true);
  });

  test("reads the history before the restart, sends its user turns in order, shows the diff; exit 0", async () => {
    let restartedBeforeHistory: boolean | undefined;
    const f = fake({
      command: "restart",
      found,
      answer: (cmd) => {
        if (cmd.cmd === "history") restartedBeforeHistory = f.restarts.length > 0;
        return rainy(cmd);
      },
    });
    const outcome = await restart.run(options(), f.io);
    expect(restartedBeforeHistory).toBe(false);
    expect(f.sent.map((c) => (c.cmd === "say" ? c.text : c.cmd))).toEqual([
      "history",
      "what's the weather in Paris?",
      "hello",
    ]);
    expect(f.restarts).toHaveLength(1);
    // The daemon replaces its agent: the session is neither stopped nor started again.
    expect(f.stops).toHaveLength(0);
    expect(f.starts).toHaveLength(0);
    expect(f.out()).toEndWith(
      [
        "Replaying 2 turns of the previous conversation:",
        `turn 1 "what's the weather in Paris?": reply changed; tools unchanged`,
        "  - The weather in Paris is sunny.",
        "  + The weather in Paris is rainy.",
        `turn 2 "hello": unchanged`,
        "",
        "Replayed 2 turns: 1 changed, 1 unchanged.",
        "",
      ].join("\n"),
    );
    expect(f.report(outcome)).toBe(0);
  });

  test("--json: one result line with every turn's text, before, after and changed", async () => {
    const f = fake({ command: "restart", json: true, found, answer: rainy });
    expect(f.report(await restart.run(options({ json: true }), f.io))).toBe(0);
    const lines = f.lines();
    expect(lines).toHaveLength(1);
    const tools = [{ name: "lookup_weather", arguments: '{"location":"Paris"}' }];
    expect(lines[0]?.turns).toEqual([
      {
        turn: 1,
        text: "what's the weather in Paris?",
        before: { reply: "The weather in Paris is sunny.", tools },
        after: { reply: "The weather in Paris is rainy.", tools },
        changed: true,
        changes: ["reply"],
      },
      {
        turn: 2,
        text: "hello",
        before: { reply: "hello", tools: [] },
        after: { reply: "hello", tools: [] },
        changed: false,
        changes: [],
      },
    ]);
  });

  test("a failed turn ends the replay: it says why and how many were left; exit 1", async () => {
    const f = fake({
      command: "restart",
      json: true,
      found,
      answer: agent(() => ({
        done: { ok: false, code: "agent_error", error: "agent error: boom", detail: [] },
      })),
    });
    expect(f.report(await restart.run(options({ json: true }), f.io))).toBe(1);
    expect(f.sent.filter((c) => c.cmd === "say")).toHaveLength(1);
    const [result] = f.lines();
    expect(result).toMatchObject({
      ok: false,
      error: "turn 1 of the replay failed: agent error: boom",
      detail: ["1 later turn was not replayed"],
    });
    expect((result as { turns: { error?: string }[] }).turns[0]?.error).toBe("agent error: boom");
  });

  test("a history the agent cannot give: the session is left running, as it was", async () => {
    const f = fake({
      command: "restart",
      found,
      answer: () => ({
        done: { ok: false, code: "agent_error", error: "the agent did not answer in time", detail: [] },
      }),
    });
    const outcome = await restart.run(options(), f.io).catch((error: unknown) => ({ error }));
    expect(f.restarts).toHaveLength(0);
    expect(String((outcome as { error: Error }).error.message)).toBe(
      "could not get the conversation to replay: the agent did not answer in time",
    );
  });

  test("a conversation without user turns: restarted, nothing replayed", async () => {
    const f = fake({ command: "restart", found, answer: () => ({ events: [HISTORY[0] as SessionEvent] }) });
    const outcome = await restart.run(options(), f.io);
    expect(f.out()).toEndWith("Nothing to replay: the previous conversation had no user turns.\n");
    expect(f.report(outcome)).toBe(0);
    expect(f.sent.map((c) => c.cmd)).toEqual(["history"]);
  });

  test("without --replay, no history is asked for", async () => {
    const f = fake({ command: "restart", found });
    await restart.run(options({ replay: false }), f.io);
    expect(f.sent).toEqual([]);
    expect(f.restarts).toEqual([{ env: {}, envFrom: { files: [], flags: [] } }]);
  });
});
