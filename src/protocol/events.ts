// The one event union the daemon streams to clients. Plain JSON, no protobuf types,
// so `--json` output and both renderers read the same thing.

export type SessionEvent =
  | {
      type: "message";
      role: "user" | "assistant" | "system" | "developer";
      text: string;
      /** An audio session's user message: what the agent heard (its transcript); `text` is what was spoken. */
      heard?: string;
      interrupted?: boolean;
      /** What the agent measured for this message (assistant messages; absent when it sent none). */
      metrics?: MessageMetrics;
    }
  | { type: "tool_call"; name: string; callId: string; arguments: string }
  /** A tool began to run (not every agent says so: Node 1.9 does not). */
  | { type: "tool_started"; name: string; callId: string; arguments: string }
  /** A tool finished; `message` is what the agent said about it (its output, or what it raised). */
  | { type: "tool_ended"; name?: string; callId: string; status: ToolEndStatus; message?: string }
  /** `error`: what a failing tool really raised, when the agent reports it (Python agents do). */
  | { type: "tool_output"; name: string; callId: string; output: string; isError: boolean; error?: string }
  | { type: "handoff"; from?: string; to: string }
  | { type: "config"; instructionsUpdated: boolean; toolsAdded: string[]; toolsRemoved: string[] }
  | { type: "error"; message: string }
  | { type: "state"; agent: AgentStateName }
  /** The user's state (only the `events` feed shows it). */
  | { type: "user_state"; user: UserStateName }
  /** A line of the agent's own output, `at` when it arrived (for `say --logs` and the `events --logs` feed). */
  | { type: "log"; line: string; stream: "stdout" | "stderr" }
  /** Output the daemon could not keep between turns (too much of it): shown before what it kept. */
  | { type: "dropped"; count: number }
  /**
   * The agent was restarted here (`at`: when). Only in a history of every run of the session (the
   * transcript `end --transcript` writes): it separates one run's conversation from the next.
   * `unread`: why the run before it is missing (its agent did not give its chat history).
   */
  | { type: "restart"; unread?: string };

export type ToolEndStatus = "done" | "error" | "cancelled";

/**
 * ChatMessage.metrics, in milliseconds (the agent sends seconds); each present only when sent.
 * llmTtftMs: time to the LLM's first token; ttsTtfbMs: to the TTS's first byte; e2eLatencyMs: from
 * the end of the user's turn to the agent's first audio; llmTtfsMs: to the first sentence;
 * llmTokensPerSecond; transcriptionDelayMs, endOfTurnDelayMs, onUserTurnCompletedDelayMs.
 */
export interface MessageMetrics {
  llmTtftMs?: number;
  ttsTtfbMs?: number;
  e2eLatencyMs?: number;
  llmTokensPerSecond?: number;
  llmTtfsMs?: number;
  transcriptionDelayMs?: number;
  endOfTurnDelayMs?: number;
  onUserTurnCompletedDelayMs?: number;
}

export type AgentStateName = "initializing" | "idle" | "listening" | "thinking" | "speaking";

export type UserStateName = "speaking" | "listening" | "away";

/** Thinking or speaking: a turn sent now would interrupt what the agent is doing. */
export function isBusy(state: AgentStateName): boolean {
  return state === "thinking" || state === "speaking";
}

/**
 * An event as delivered: `earlier` marks output the agent produced between turns.
 *
 * `at`: ms since the epoch, when it happened; for an item of the agent's chat history (`history`),
 * the time the agent recorded for it (`created_at`), null when the agent gives none.
 *
 * `turn`: the turn it belongs to in the agent's run (Session.turnsSent: a restart counts from 1
 * again, as the log's turn markers do): N for the Nth turn sent to the agent, 0 for what it said
 * before the first (its greeting). Output
 * between turns carries the turn it followed, as does output made before a turn's own text was
 * taken in (marked `earlier`). Null where no turn applies (a restart marker).
 */
export type DeliveredEvent = SessionEvent & { earlier?: boolean; at: number | null; turn?: number | null };
