// The daemon's session driven through a real AgentLink over a fake socket: we play the agent.

import { describe, expect, test } from "bun:test";
import { Session } from "../../src/daemon/session.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import type { ModelUsage } from "../../src/protocol/usage.ts";
import {
  type AgentSessionEvent,
  AgentState,
  ChatRole,
  type SessionRequest,
} from "../../src/wire/gen/livekit_agent_session.ts";
import { linkToTestAgent } from "../helpers/fake-agent-link.ts";

/**
 * A session with a connected fake agent; `requests` is what the daemon sent it. Like a real agent,
 * it answers get_session_state (asked before the first turn) at once: it is listening.
 */
function connected(maxUnseen?: number) {
  const { link, requests } = linkToTestAgent((request) => {
    if (request.request.oneofKind === "getSessionState") answerState(request.requestId);
  });
  const answerState = (requestId: string) =>
    queueMicrotask(() =>
      link.receive({
        message: {
          oneofKind: "response",
          response: {
            requestId,
            response: {
              oneofKind: "getSessionState",
              getSessionState: {
                agentState: AgentState.AS_LISTENING,
                userState: 1,
                agentId: "a",
                options: {},
              },
            },
          },
        },
      }),
    );
  const session = new Session(maxUnseen);
  session.attach(link);
  const say = (text: string) =>
    link.receive({
      message: {
        oneofKind: "event",
        event: {
          event: {
            oneofKind: "conversationItemAdded",
            conversationItemAdded: {
              item: {
                item: {
                  oneofKind: "message",
                  message: {
                    id: `item-${text}`,
                    role: ChatRole.ASSISTANT,
                    content: [{ payload: { oneofKind: "text", text } }],
                    interrupted: false,
                    extra: {},
                  },
                },
              },
            },
          },
        },
      },
    });
  const finishTurn = (request: SessionRequest | undefined, error?: string) =>
    link.receive({
      message: {
        oneofKind: "response",
        response: {
          requestId: request?.requestId ?? "",
          response: { oneofKind: "runInput", runInput: { items: [] } },
          error,
        },
      },
    });
  const event = (ev: AgentSessionEvent["event"]) =>
    link.receive({ message: { oneofKind: "event", event: { event: ev } } });
  const runInputs = () => requests.filter((r) => r.request.oneofKind === "runInput");
  return { session, link, say, finishTurn, event, runInputs };
}

const summary = (e: DeliveredEvent) =>
  e.type === "dropped"
    ? `dropped ${e.count}${e.earlier ? " (earlier)" : ""}`
    : e.type === "message"
      ? `${e.role}: ${e.text}${e.earlier ? " (earlier)" : ""}`
      : e.type;

describe("output between turns", () => {
  test("what did not fit is announced at the next say, before the output that was kept", async () => {
    const { session, say, finishTurn, runInputs } = connected(3);
    for (const text of ["one", "two", "three", "four", "five"]) say(text);
    expect(session.unseenCount).toBe(3);
    const got: DeliveredEvent[] = [];
    const done = session.say("hi", 10_000, (e) => got.push(e));
    await Bun.sleep(0);
    finishTurn(runInputs()[0]);
    expect(await done).toEqual({ ok: true, data: { turnMs: expect.any(Number) } });
    expect(got.map(summary)).toEqual([
      "dropped 2 (earlier)",
      "assistant: three (earlier)",
      "assistant: four (earlier)",
      "assistant: five (earlier)",
      "user: hi",
    ]);
    // Announced once.
    expect(session.takeUnseen()).toEqual([]);
  });

  test("a notice its client never saw joins the next one", () => {
    const { session, say } = connected(1);
    say("a");
    say("b");
    session.keep({ type: "dropped", count: 4, earlier: true, at: 1 });
    expect(session.takeUnseen().map(summary)).toEqual(["dropped 5 (earlier)", "assistant: b (earlier)"]);
  });

  test("nothing dropped, no notice", () => {
    const { session, say } = connected(3);
    say("a");
    expect(session.takeUnseen().map(summary)).toEqual(["assistant: a (earlier)"]);
  });
});

describe("turn numbers", () => {
  test("the greeting is turn 0, a turn's events carry its number, output between turns the one it followed", async () => {
    const { session, say, finishTurn, runInputs } = connected();
    say("a greeting");
    const first: DeliveredEvent[] = [];
    const one = session.say("one", 10_000, (e) => first.push(e));
    await Bun.sleep(0);
    say("reply one");
    finishTurn(runInputs()[0]);
    await one;
    expect(first.map((e) => [summary(e), e.turn])).toEqual([
      ["assistant: a greeting (earlier)", 0],
      ["user: one", 1],
      ["assistant: reply one", 1],
    ]);

    const heard: DeliveredEvent[] = [];
    const listening = session.listen(1_000_000, (e) => heard.push(e));
    await Bun.sleep(0);
    say("on my own");
    await listening;
    expect(heard.map((e) => [summary(e), e.turn])).toEqual([["assistant: on my own", 1]]);

    // A failed turn counts too: the next is turn 3.
    const failed = session.say("two", 10_000, () => {});
    await Bun.sleep(0);
    finishTurn(runInputs()[1], "boom");
    expect(await failed).toMatchObject({ ok: false });
    const third: DeliveredEvent[] = [];
    const three = session.say("three", 10_000, (e) => third.push(e));
    await Bun.sleep(0);
    finishTurn(runInputs()[2]);
    await three;
    expect(third.map((e) => [summary(e), e.turn])).toEqual([["user: three", 3]]);
  });
});

describe("clients that leave", () => {
  test("a queued say whose client leaves fails at once and never reaches the agent", async () => {
    const { session, finishTurn, runInputs } = connected();
    const first = session.say("first", 10_000, () => {});
    const client = new AbortController();
    const second = session.say("second", 10_000, () => {}, client.signal);
    await Bun.sleep(0);
    expect(session.queueLength).toBe(2);
    client.abort();
    expect(await second).toEqual({
      ok: false,
      code: "ending",
      error: "the client went away before its turn",
    });
    expect(session.queueLength).toBe(1);
    finishTurn(runInputs()[0]);
    expect(await first).toEqual({ ok: true, data: { turnMs: expect.any(Number) } });
    expect(
      runInputs().map((r) => (r.request.oneofKind === "runInput" ? r.request.runInput.text : "")),
    ).toEqual(["first"]);
  });

  test("a say whose client leaves while the agent finishes speaking never reaches the agent", async () => {
    const { session, link, runInputs } = connected();
    const state = (newState: AgentState) =>
      link.receive({
        message: {
          oneofKind: "event",
          event: { event: { oneofKind: "agentStateChanged", agentStateChanged: { oldState: 0, newState } } },
        },
      });
    state(AgentState.AS_SPEAKING);
    const client = new AbortController();
    const said = session.say("too late", 10_000, () => {}, client.signal);
    await Bun.sleep(0);
    // Past the queue: the turn waits for the agent to be done speaking.
    expect(session.queueLength).toBe(0);
    client.abort();
    state(AgentState.AS_LISTENING);
    expect(await said).toEqual({ ok: false, code: "ending", error: "the client went away before its turn" });
    expect(runInputs()).toEqual([]);
  });

  test("a listen whose client leaves returns at once, however long it would have waited", async () => {
    const { session } = connected();
    const client = new AbortController();
    const listening = session.listen(1_000_000, () => {}, client.signal);
    await Bun.sleep(0);
    client.abort();
    expect(await listening).toMatchObject({ ok: false, code: "ending" });
  });

  test("a listen hears what the agent says, and a stop ends a silent one", async () => {
    const { session, say } = connected();
    const heard: DeliveredEvent[] = [];
    const listening = session.listen(1_000_000, (e) => heard.push(e));
    await Bun.sleep(0);
    say("on my own");
    expect(await listening).toEqual({ ok: true });
    expect(heard.map(summary)).toEqual(["assistant: on my own"]);

    const silent = session.listen(1_000_000, () => {});
    await Bun.sleep(0);
    session.stop("ending", "the session was ended");
    expect(await silent).toMatchObject({ ok: false, code: "ending", error: "the session was ended" });
  });

  test("a stop whose reason speaks of a turn tells a waiting listen its own reason, and later ones too", async () => {
    const { session } = connected();
    const waiting = session.listen(1_000_000, () => {});
    await Bun.sleep(0);
    session.stop("ending", "ended while this turn was running", undefined, "ended while listen was waiting");
    expect(await waiting).toMatchObject({
      ok: false,
      code: "ending",
      error: "ended while listen was waiting",
    });
    expect(await session.listen(1000, () => {})).toMatchObject({ error: "ended while listen was waiting" });
    expect(await session.say("hi", 1000, () => {})).toMatchObject({
      error: "ended while this turn was running",
    });
  });
});

describe("the events feed", () => {
  test("records each event once, the user's turn too, without taking what the next say shows", async () => {
    const { session, say, finishTurn, runInputs } = connected();
    const watched: DeliveredEvent[] = [];
    session.feed.watch({ logs: false, send: (e) => watched.push(e), end: () => {} });
    say("between turns");
    const done = session.say("hi", 10_000, () => {});
    await Bun.sleep(0);
    say("the reply");
    say("the reply"); // the same item again: shown once
    finishTurn(runInputs()[0]);
    expect(await done).toMatchObject({ ok: true });
    expect(watched.map(summary)).toEqual(["assistant: between turns", "user: hi", "assistant: the reply"]);
    expect(session.feed.recent(2, false).map(summary)).toEqual(["user: hi", "assistant: the reply"]);
    // What came between turns went to the turn all the same.
    expect(session.unseenCount).toBe(0);
  });

  test("a handoff makes its agent the active one", () => {
    const { session } = connected();
    session.activeAgent = "echo_agent";
    session.record({ type: "handoff", from: "echo_agent", to: "billing_agent", at: 1 });
    expect(session.activeAgent).toBe("billing_agent");
  });
});

describe("issue 15: usage, log lines and silent turns", () => {
  const usage = (inputTokens: number, outputTokens: number): AgentSessionEvent["event"] => ({
    oneofKind: "sessionUsageUpdated",
    sessionUsageUpdated: {
      usage: {
        modelUsage: [
          {
            usage: {
              oneofKind: "llm",
              llm: {
                provider: "echo",
                model: "echo-1",
                inputTokens,
                outputTokens,
                inputCachedTokens: 0,
                inputAudioTokens: 0,
                inputCachedAudioTokens: 0,
                inputTextTokens: 0,
                inputCachedTextTokens: 0,
                inputImageTokens: 0,
                inputCachedImageTokens: 0,
                outputAudioTokens: 0,
                outputTextTokens: 0,
                sessionDuration: 0,
              },
            },
          },
        ],
      },
    },
  });
  const echo = (inputTokens: number, outputTokens: number): ModelUsage[] => [
    { kind: "llm", provider: "echo", model: "echo-1", inputTokens, outputTokens },
  ];

  test("a turn's usage is what the agent's cumulative reports grew by during it; none reported, none shown", async () => {
    const { session, event, finishTurn, runInputs } = connected();
    event(usage(10, 5));
    const first = session.say("hi", 10_000, () => {});
    await Bun.sleep(0);
    event(usage(20, 10));
    event(usage(30, 15));
    finishTurn(runInputs()[0]);
    const done = await first;
    expect(done.ok && done.data.usage).toEqual(echo(20, 10));
    expect(session.usage).toEqual(echo(30, 15));

    const second = session.say("again", 10_000, () => {});
    await Bun.sleep(0);
    finishTurn(runInputs()[1]);
    const quiet = await second;
    expect(quiet.ok && quiet.data).toEqual({ turnMs: expect.any(Number) });
  });

  test("log lines: only for a say that asks; those since the last turn come first, as earlier output", async () => {
    const { session, finishTurn, runInputs } = connected();
    const line = (text: string, at: number) => session.onAgentLog({ line: text, stream: "stdout", at });
    line("before the first turn", 1);
    const plain: DeliveredEvent[] = [];
    const first = session.say("no logs", 10_000, (e) => plain.push(e));
    await Bun.sleep(0);
    line("during the first turn", 2);
    finishTurn(runInputs()[0]);
    await first;
    expect(plain.filter((e) => e.type === "log")).toEqual([]);

    line("between turns", 3);
    const got: DeliveredEvent[] = [];
    const second = session.say("logs", 10_000, (e) => got.push(e), undefined, { logs: true });
    await Bun.sleep(0);
    session.onAgentLog({ line: "during the second turn", stream: "stderr", at: 4 });
    finishTurn(runInputs()[1]);
    await second;
    expect(got.map((e) => (e.type === "log" ? `${e.line}${e.earlier ? " (earlier)" : ""}` : e.type))).toEqual(
      ["between turns (earlier)", "message", "during the second turn"],
    );
    // Stamped when the line arrived, not when the turn showed it; the earlier line follows turn 1.
    expect(got[2]).toEqual({ type: "log", line: "during the second turn", stream: "stderr", at: 4, turn: 2 });
    expect(got.map((e) => e.turn)).toEqual([1, 2, 2]);
  });

  test("one log event per line: in the feed once, whether or not a say asked for it", async () => {
    const { session, finishTurn, runInputs } = connected();
    const fed: string[] = [];
    session.feed.watch({
      logs: true,
      send: (e) => fed.push(e.type === "log" ? e.line : e.type),
      end: () => {},
    });
    const line = (text: string, at: number) => session.onAgentLog({ line: text, stream: "stdout", at });
    line("between turns", 1);
    const got: DeliveredEvent[] = [];
    const turn = session.say("logs", 10_000, (e) => got.push(e), undefined, { logs: true });
    await Bun.sleep(0);
    line("during the turn", 2);
    finishTurn(runInputs()[0]);
    await turn;
    expect(got.filter((e) => e.type === "log").map((e) => e.type === "log" && e.line)).toEqual([
      "between turns",
      "during the turn",
    ]);
    // The user's message is recorded once the turn sorts it out (this agent never echoes it).
    expect(fed.filter((e) => e !== "message")).toEqual(["between turns", "during the turn"]);
    expect(session.feed.recent(10, true).filter((e) => e.type === "log")).toHaveLength(2);
  });

  test("a log line from before the agent made the turn's user message is earlier output; later ones are the turn's", async () => {
    const { session, event, finishTurn, runInputs } = connected();
    const userMessage = (createdAt?: { seconds: number; nanos: number }): AgentSessionEvent["event"] => ({
      oneofKind: "conversationItemAdded",
      conversationItemAdded: {
        item: {
          item: {
            oneofKind: "message",
            message: {
              id: `u${createdAt?.seconds ?? 0}`,
              role: ChatRole.USER,
              content: [{ payload: { oneofKind: "text", text: "hi" } }],
              interrupted: false,
              extra: {},
              createdAt,
            },
          },
        },
      },
    });
    const line = (text: string, at: number) => session.onAgentLog({ line: text, stream: "stdout", at });
    const shown = (e: DeliveredEvent) =>
      e.type === "log" ? `${e.line}${e.earlier ? " (earlier)" : ""}` : summary(e);

    const got: DeliveredEvent[] = [];
    const turn = session.say("hi", 10_000, (e) => got.push(e), undefined, { logs: true });
    await Bun.sleep(0);
    line("still greeting", 5_000);
    // Written once the agent had the text, but its pipe was quicker than its event.
    line("running a tool", 15_000);
    event(userMessage({ seconds: 10, nanos: 0 }));
    line("answering", 20_000);
    finishTurn(runInputs()[0]);
    await turn;
    expect(got.map(shown)).toEqual(["still greeting (earlier)", "user: hi", "running a tool", "answering"]);
    expect(got.map((e) => e.at)).toEqual([5_000, 15_000, 15_000, 20_000]);

    // An agent that does not say when it made the message: every line of the turn is the turn's.
    const again: DeliveredEvent[] = [];
    const second = session.say("hi", 10_000, (e) => again.push(e), undefined, { logs: true });
    await Bun.sleep(0);
    line("a line", Date.now());
    event(userMessage());
    finishTurn(runInputs()[1]);
    await second;
    expect(again.map(shown)).toEqual(["user: hi", "a line"]);
  });

  test("Node's 'agent produced no response items' is a silent turn, unless the agent reported an error", async () => {
    const { session, event, finishTurn, runInputs } = connected();
    const silent = session.say("stay silent", 10_000, () => {});
    await Bun.sleep(0);
    finishTurn(runInputs()[0], "agent produced no response items");
    expect((await silent).ok).toBe(true);

    const failed = session.say("fail", 10_000, () => {});
    await Bun.sleep(0);
    event({ oneofKind: "error", error: { message: "llm failed" } });
    finishTurn(runInputs()[1], "agent produced no response items");
    expect(await failed).toEqual({
      ok: false,
      code: "agent_error",
      error: "agent error: agent produced no response items",
    });

    const other = session.say("other", 10_000, () => {});
    await Bun.sleep(0);
    finishTurn(runInputs()[2], "empty run_input text");
    expect(await other).toMatchObject({ ok: false, error: "agent error: empty run_input text" });
  });
});
