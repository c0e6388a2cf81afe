// What the agent says it is doing right now: its answer to get_session_state. Both frameworks answer
// it from the session's own state when they handle it, after the requests sent before it (update_io
// among them), so the answer is the agent's word on whether it has started to speak on its own; its
// state events may come later (Python sends events through a queue, responses at once). Cheap: no
// history, no tool list.

import type { AgentStateName } from "../protocol/events.ts";
import type { AgentLink } from "./agent-link.ts";
import { agentStateName } from "./translate.ts";

/** An agent that answers nothing this long is treated as one that cannot say. */
export const STATE_QUERY_TIMEOUT_MS = 3000;

/**
 * The agent's own state now; undefined when it cannot say (an error, an answer of another kind, no
 * answer in time, the link closed) or when `signal` aborts first.
 */
export async function askAgentState(
  link: AgentLink,
  signal?: AbortSignal,
  timeoutMs = STATE_QUERY_TIMEOUT_MS,
): Promise<AgentStateName | undefined> {
  if (link.closed || signal?.aborted) return undefined;
  const { id, response } = link.request({ oneofKind: "getSessionState", getSessionState: {} });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    onAbort = () => resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const answer = await Promise.race([response.catch(() => undefined), giveUp]);
    if (!answer) {
      link.forget(id);
      return undefined;
    }
    if (answer.error || answer.response.oneofKind !== "getSessionState") return undefined;
    return agentStateName(answer.response.getSessionState.agentState);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
