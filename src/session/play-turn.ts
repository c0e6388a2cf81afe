// One user turn sent and judged: what say, replay and test each do per turn.

import type { UserError } from "../errors.ts";
import type { SpokenTurnOptions } from "../protocol/audio.ts";
import type { SayData } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import { failureOf } from "./client-session.ts";
import { checkTurn, type Expectation, type TurnCheck } from "./expect.ts";
import { type ObservedTurn, observe } from "./observed-turn.ts";
import type { SessionClient } from "./session-client.ts";

export interface PlayedTurn {
  observed: ObservedTurn;
  check: TurnCheck;
  /** The turn failed in a way no expectation judges (timeout, the agent gone, or an unexpected agent error). */
  failure?: UserError;
  /** What the daemon measured, when the turn ended well (its time, its usage). */
  data?: SayData;
}

/**
 * Sends the turn and checks it. An agent error is judged by an `error` expectation when the turn
 * has one; without one it fails the turn, as it always has for `say`.
 */
export async function playTurn(
  session: SessionClient,
  state: SessionState,
  turn: {
    text: string;
    timeoutMs: number;
    expectations: Expectation[];
    logs?: boolean;
    /** An audio session's --speed, --interrupt-after, --save-audio. */
    audio?: SpokenTurnOptions;
  },
  onEvent?: (event: DeliveredEvent) => void,
): Promise<PlayedTurn> {
  const events: DeliveredEvent[] = [];
  const started = performance.now();
  // `logs` and `audio` only when asked: a plain say sends what it always did.
  const request = {
    cmd: "say" as const,
    text: turn.text,
    timeoutMs: turn.timeoutMs,
    ...(turn.logs ? { logs: true } : {}),
    ...(turn.audio ? { audio: turn.audio } : {}),
  };
  const done = await session.send(state, request, (e) => {
    events.push(e);
    onEvent?.(e);
  });
  const wallMs = performance.now() - started;
  const judged = turn.expectations.some((e) => e.kind === "error");
  const agentError = !done.ok && done.code === "agent_error" ? done.error : undefined;
  const observed = observe(events, wallMs, agentError);
  const check = checkTurn(turn.expectations, observed);
  if (!done.ok && !(judged && agentError !== undefined))
    return { observed, check, failure: failureOf(done, state) };
  return done.ok ? { observed, check, data: done.data } : { observed, check };
}
