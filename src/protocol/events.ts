// The one event union the daemon streams to clients. Plain JSON, no protobuf types,
// so `--json` output and both renderers read the same thing.

export type SessionEvent =
  | {
      type: "message";
      role: "user" | "assistant" | "system" | "developer";
      text: string;
      interrupted?: boolean;
    }
  | { type: "tool_call"; name: string; callId: string; arguments: string }
  /** `error`: what a failing tool really raised, when the agent reports it (Python agents do). */
  | { type: "tool_output"; name: string; callId: string; output: string; isError: boolean; error?: string }
  | { type: "handoff"; from?: string; to: string }
  | { type: "config"; instructionsUpdated: boolean; toolsAdded: string[]; toolsRemoved: string[] }
  | { type: "error"; message: string }
  | { type: "state"; agent: AgentStateName }
  /** The user's state (only the `events` feed shows it). */
  | { type: "user_state"; user: UserStateName }
  /** A line of the agent's own output (the `events --logs` feed). */
  | { type: "log"; line: string; stream: "stdout" | "stderr" }
  /** Output the daemon could not keep between turns (too much of it): shown before what it kept. */
  | { type: "dropped"; count: number };

export type AgentStateName = "initializing" | "idle" | "listening" | "thinking" | "speaking";

export type UserStateName = "speaking" | "listening" | "away";

/** Thinking or speaking: a turn sent now would interrupt what the agent is doing. */
export function isBusy(state: AgentStateName): boolean {
  return state === "thinking" || state === "speaking";
}

/** An event as delivered: `earlier` marks output the agent produced between turns. */
export type DeliveredEvent = SessionEvent & { earlier?: boolean; at: number };
