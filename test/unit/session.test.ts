// The daemon's session driven through a real AgentLink over a fake socket: we play the agent.

import { describe, expect, test } from "bun:test";
import { AgentLink } from "../../src/daemon/agent-link.ts";
import { Session } from "../../src/daemon/session.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import { AGENT_INPUT_FRAME_BYTES } from "../../src/protocol/limits.ts";
import { FrameReader } from "../../src/wire/frame.ts";
import {
  AgentSessionMessage,
  AgentState,
  ChatRole,
  type SessionRequest,
} from "../../src/wire/gen/livekit_agent_session.ts";
import { SocketWriter } from "../../src/wire/socket-writer.ts";

/** A session with a connected fake agent; `requests` is what the daemon sent it. */
function connected(maxUnseen?: number) {
  const reader = new FrameReader(AGENT_INPUT_FRAME_BYTES);
  const requests: SessionRequest[] = [];
  const writer = new SocketWriter({
    write(data) {
      for (const frame of reader.push(data)) {
        const m = AgentSessionMessage.fromBinary(frame).message;
        if (m.oneofKind === "request") requests.push(m.request);
      }
      return data.length;
    },
    end() {},
  });
  const link = new AgentLink(writer);
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
  const finishTurn = (request: SessionRequest | undefined) =>
    link.receive({
      message: {
        oneofKind: "response",
        response: {
          requestId: request?.requestId ?? "",
          response: { oneofKind: "runInput", runInput: { items: [] } },
        },
      },
    });
  const runInputs = () => requests.filter((r) => r.request.oneofKind === "runInput");
  return { session, link, say, finishTurn, runInputs };
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
    expect(await done).toEqual({ ok: true });
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
    expect(await first).toEqual({ ok: true });
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
    expect(await done).toEqual({ ok: true });
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
