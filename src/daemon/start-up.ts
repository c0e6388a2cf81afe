// The steps from a spawned agent to a ready session: it connects, switches to text mode, greets.
// Each step gives up when `signal` aborts (the daemon is stopping), failing with its reason.

import { failureLine } from "../agent/failure-line.ts";
import type { AgentOutput } from "../agent/output.ts";
import type { ReadyReport } from "../protocol/daemon-spec.ts";
import { type AgentStateName, isBusy } from "../protocol/events.ts";
import type { AgentLink } from "./agent-link.ts";
import { askAgentState } from "./agent-state.ts";
import { formatSeconds, type Session } from "./session.ts";

const UPDATE_IO_TIMEOUT_MS = 10_000;
/** Only for an agent that cannot say what it is doing: how long it must stay quiet to be called ready. */
const GREETING_QUIET_MS = 50;
/** A greeting that takes longer than this is shown at the next `say` instead. */
const GREETING_MAX_MS = 8000;

export type StartFailureCode = Extract<ReadyReport, { ok: false }>["code"];

/** Why the session did not start, as `start` reports it; `detail` replaces the agent's last output. */
export class StartFailure extends Error {
  constructor(
    readonly code: StartFailureCode,
    message: string,
    readonly detail?: string[],
  ) {
    super(message);
  }
}

/** The agent's connection, once `connected` resolves; fails on the timeout or on a crash marker in its output. */
export async function agentConnection(
  connected: Promise<AgentLink>,
  timeoutMs: number,
  output: AgentOutput,
  signal: AbortSignal,
): Promise<AgentLink> {
  const failed = new Promise<never>((_, reject) => {
    // The marker's own line is the framework's closing chatter: the reason is the error before it.
    output.onCrashMarker = (line) =>
      reject(
        new StartFailure(
          "agent_failed",
          `the agent failed before connecting ("${(failureLine(output.tail(200)) ?? line.trim()).slice(0, 160)}")`,
        ),
      );
  });
  try {
    return await within(
      Promise.race([connected, failed]),
      timeoutMs,
      () => new StartFailure("timeout", `the agent did not connect within ${formatSeconds(timeoutMs)}`),
      signal,
    );
  } finally {
    output.onCrashMarker = undefined;
  }
}

/**
 * Turns the agent's audio off (text mode), or on, in and out, with transcription (audio mode:
 * the console's default, asked for explicitly all the same), and waits for it to say so.
 */
export async function switchMode(
  link: AgentLink,
  mode: "text" | "audio",
  signal: AbortSignal,
): Promise<void> {
  const audio = mode === "audio";
  const io = link.request({
    oneofKind: "updateIo",
    updateIo: {
      input: { audioEnabled: audio },
      output: { audioEnabled: audio, transcriptionEnabled: audio },
    },
  });
  const ack = await within(
    io.response,
    UPDATE_IO_TIMEOUT_MS,
    () => new StartFailure("timeout", `the agent did not acknowledge ${mode} mode (update_io) in time`),
    signal,
  );
  if (ack.error) throw new StartFailure("agent_failed", `the agent refused ${mode} mode: ${ack.error}`);
}

/**
 * Lets a greeting the agent has under way finish, so that start shows it and the first turn does not
 * cancel it. The agent says whether one is coming: its state events, and its answer to
 * get_session_state, asked once its mode is on (an idle answer confirmed by a second: see
 * settledAnswer). Busy by either: wait for its events until it is listening again, then ask again
 * (another utterance may follow). Idle by both: nothing is coming, the session is ready at once. A
 * greeting the agent starts later still is kept for the next command (and the first turn asks again).
 * `notBefore`: the wait lasts at least until then, and the agent is asked only then (an audio
 * session's mic is read from about a second after update_io, and its agent greets a little after
 * connecting: the greeting is then start's to show).
 */
export async function greetingDone(
  link: AgentLink,
  session: Session,
  signal: AbortSignal,
  notBefore = 0,
): Promise<void> {
  const deadline = Date.now() + GREETING_MAX_MS;
  const until = (at: number) => session.activity.wait(Math.min(at, deadline) - Date.now(), signal);
  for (;;) {
    signal.throwIfAborted();
    const now = Date.now();
    if (now >= deadline) return;
    // Every agent event wakes us; while it is busy, only an event (or the deadline) can end the wait.
    if (isBusy(session.agentState)) {
      await until(deadline);
      continue;
    }
    if (now < notBefore) {
      await until(notBefore);
      continue;
    }
    const answer = await settledAnswer(link, session, signal);
    signal.throwIfAborted();
    if (answer === undefined) return quietFor(session, deadline, signal, notBefore);
    if (!isBusy(answer) && !isBusy(session.agentState)) return;
    // It says it is speaking before its events do: they will come.
    if (!isBusy(session.agentState)) await until(deadline);
  }
}

/**
 * The agent's state, once two answers in a row agree that it is idle (or one says busy). The first
 * answer after a change can be older than what the change set off: Python answers from its state at
 * once, while a reply its mode switch started takes a few turns of its event loop to show there. The
 * second request is handled after those turns, so its answer covers them; about a millisecond more.
 */
async function settledAnswer(
  link: AgentLink,
  session: Session,
  signal: AbortSignal,
): Promise<AgentStateName | undefined> {
  const first = await askAgentState(link, signal);
  if (first === undefined || isBusy(first) || isBusy(session.agentState)) return first;
  return askAgentState(link, signal);
}

/** For an agent that cannot say: ready once it stays quiet for GREETING_QUIET_MS (busy: until its events end). */
async function quietFor(
  session: Session,
  deadline: number,
  signal: AbortSignal,
  notBefore: number,
): Promise<void> {
  const since = Date.now();
  for (;;) {
    signal.throwIfAborted();
    const now = Date.now();
    const busy = isBusy(session.agentState);
    const quietAt = Math.max(session.lastEventAt + GREETING_QUIET_MS, since + GREETING_QUIET_MS, notBefore);
    if ((!busy && now >= quietAt) || now >= deadline) return;
    await session.activity.wait((busy ? deadline : Math.min(quietAt, deadline)) - now, signal);
  }
}

/** `work`, unless `ms` pass first (fails with `late()`) or `signal` aborts (fails with its reason). */
async function within<T>(work: Promise<T>, ms: number, late: () => Error, signal: AbortSignal): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
  try {
    return await Promise.race([work, cut]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
