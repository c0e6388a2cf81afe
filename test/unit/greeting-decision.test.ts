// Whether a greeting is coming is the agent's own word: its answer to get_session_state and its state
// events, at start and before the first turn. Driven through a real AgentLink; we play the agent and
// answer each request when the test says so (the order of what the daemon sends is what is checked).

import { describe, expect, test } from "bun:test";
import { Session } from "../../src/daemon/session.ts";
import { greetingDone } from "../../src/daemon/start-up.ts";
import { AgentState, type SessionRequest } from "../../src/wire/gen/livekit_agent_session.ts";
import { linkToTestAgent } from "../helpers/fake-agent-link.ts";

function agent() {
  const { link, requests } = linkToTestAgent();
  const session = new Session();
  session.attach(link);
  const last = () => requests.at(-1) as SessionRequest;
  /** Answers the last request, a get_session_state, with `agentState`. */
  const answerState = (agentState: AgentState) =>
    link.receive({
      message: {
        oneofKind: "response",
        response: {
          requestId: last().requestId,
          response: {
            oneofKind: "getSessionState",
            getSessionState: { agentState, userState: 1, agentId: "echo_agent", options: {} },
          },
        },
      },
    });
  const stateEvent = (newState: AgentState) =>
    link.receive({
      message: {
        oneofKind: "event",
        event: { event: { oneofKind: "agentStateChanged", agentStateChanged: { oldState: 0, newState } } },
      },
    });
  const finishTurn = () =>
    link.receive({
      message: {
        oneofKind: "response",
        response: {
          requestId: last().requestId,
          response: { oneofKind: "runInput", runInput: { items: [] } },
        },
      },
    });
  const kinds = () => requests.map((r) => r.request.oneofKind);
  /** Listening to the ask and to the ask that confirms it: what an idle agent answers. */
  const answerIdleTwice = async () => {
    answerState(AgentState.AS_LISTENING);
    await tick();
    answerState(AgentState.AS_LISTENING);
    await tick();
  };
  return { session, link, answerState, answerIdleTwice, stateEvent, finishTurn, kinds };
}

/** Lets what was set going run as far as it can. */
const tick = () => Bun.sleep(0);

function tracked(promise: Promise<unknown>) {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  return {
    get done() {
      return done;
    },
  };
}

describe("start: is a greeting coming?", () => {
  test("an agent that says it is listening, twice in a row, is ready at once", async () => {
    const a = agent();
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal));
    await tick();
    expect(a.kinds()).toEqual(["getSessionState"]);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    // The first idle answer may predate what its mode switch set off: it is asked once more.
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState"]);
    expect(ready.done).toBe(false);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(ready.done).toBe(true);
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState"]);
  });

  test("a greeting begun just after its first idle answer is waited for (the second answer says so)", async () => {
    const a = agent();
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal));
    await tick();
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    a.answerState(AgentState.AS_THINKING);
    await tick();
    expect(ready.done).toBe(false);
    a.stateEvent(AgentState.AS_THINKING);
    a.stateEvent(AgentState.AS_SPEAKING);
    await tick();
    expect(ready.done).toBe(false);
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    await a.answerIdleTwice();
    expect(ready.done).toBe(true);
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState", "getSessionState", "getSessionState"]);
  });

  test("an idle answer with a busy event before it: the events are waited for, without a second ask", async () => {
    const a = agent();
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal));
    await tick();
    a.stateEvent(AgentState.AS_THINKING);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState"]);
    expect(ready.done).toBe(false);
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    await a.answerIdleTwice();
    expect(ready.done).toBe(true);
  });

  test("one that says it is speaking is ready only once its events say it is done, and it is asked again", async () => {
    const a = agent();
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal));
    await tick();
    // Its answer comes before its events (Python sends events through a queue).
    a.answerState(AgentState.AS_SPEAKING);
    await tick();
    expect(ready.done).toBe(false);
    a.stateEvent(AgentState.AS_SPEAKING);
    await tick();
    expect(ready.done).toBe(false);
    expect(a.kinds()).toEqual(["getSessionState"]);
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    // Another utterance may follow: it is asked again.
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState"]);
    expect(ready.done).toBe(false);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(ready.done).toBe(false);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(ready.done).toBe(true);
  });

  test("one busy by its events is not asked until they say it is done", async () => {
    const a = agent();
    a.stateEvent(AgentState.AS_THINKING);
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal));
    await tick();
    expect(a.kinds()).toEqual([]);
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState"]);
    await a.answerIdleTwice();
    expect(ready.done).toBe(true);
  });

  test("an audio session's wait lasts until its mic is read (notBefore): a greeting begun before then is waited for", async () => {
    const a = agent();
    const notBefore = Date.now() + 300;
    const ready = tracked(greetingDone(a.link, a.session, new AbortController().signal, notBefore));
    await tick();
    // Not asked yet: the agent greets only once it hears its mic.
    expect(a.kinds()).toEqual([]);
    a.stateEvent(AgentState.AS_SPEAKING);
    await tick();
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual([]);
    expect(ready.done).toBe(false);
    while (a.kinds().length === 0) await Bun.sleep(10);
    expect(Date.now()).toBeGreaterThanOrEqual(notBefore);
    expect(a.kinds()).toEqual(["getSessionState"]);
    await a.answerIdleTwice();
    expect(ready.done).toBe(true);
  });

  test("stopping ends the wait", async () => {
    const a = agent();
    const stop = new AbortController();
    const ready = greetingDone(a.link, a.session, stop.signal);
    await tick();
    stop.abort(new Error("stopping"));
    await expect(ready).rejects.toThrow("stopping");
  });
});

describe("the first turn", () => {
  test("asks the agent before it sends its text; later turns do not", async () => {
    const a = agent();
    const first = a.session.say("first", 10_000, () => {});
    await tick();
    expect(a.kinds()).toEqual(["getSessionState"]);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState", "runInput"]);
    a.finishTurn();
    expect((await first).ok).toBe(true);
    const second = a.session.say("second", 10_000, () => {});
    await tick();
    expect(a.kinds()).toEqual(["getSessionState", "runInput", "runInput"]);
    a.finishTurn();
    expect((await second).ok).toBe(true);
  });

  test("waits for a greeting the agent started since start asked, then sends its text", async () => {
    const a = agent();
    const first = a.session.say("first", 10_000, () => {});
    await tick();
    a.answerState(AgentState.AS_SPEAKING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState"]);
    a.stateEvent(AgentState.AS_SPEAKING);
    await tick();
    a.stateEvent(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState"]);
    a.answerState(AgentState.AS_LISTENING);
    await tick();
    expect(a.kinds()).toEqual(["getSessionState", "getSessionState", "runInput"]);
    a.finishTurn();
    expect((await first).ok).toBe(true);
  });
});
