// The pieces the tools' input and output schemas share. Outputs are loose objects: a field a
// command gains later passes through instead of failing validation.

import * as z from "zod";
import { MAX_TIMEOUT_SECONDS } from "../protocol/duration.ts";

export const port = z
  .number()
  .int()
  .min(1)
  .max(65535)
  .describe("Session port on 127.0.0.1 (default: the session this server started last, else 8775)");

export const seconds = (what: string) => z.number().positive().max(MAX_TIMEOUT_SECONDS).describe(what);

export const event = z
  .looseObject({
    type: z
      .string()
      .describe("message, tool_call, tool_output, handoff, config, error, state, dropped (more may come)"),
    at: z
      .number()
      .nullable()
      .describe(
        "ms since the epoch; for a chat-history item the agent's own time for it, null when it gives none",
      ),
    turn: z
      .number()
      .nullable()
      .optional()
      .describe(
        "the turn it belongs to in the agent's run: 0 for its greeting, N for the Nth turn (from 1 again after a restart, as the log's turn markers)",
      ),
    earlier: z.boolean().optional().describe("produced between turns (a greeting, a timer)"),
  })
  .describe("An event exactly as `--json` reports it");

export const events = z.array(event);

export const toolCalled = z.object({
  name: z.string(),
  arguments: z.unknown().describe("The call's JSON arguments, parsed"),
  output: z.string().nullable().describe("What the tool returned; null when no output came in the turn"),
  is_error: z.boolean(),
  error: z.string().optional().describe("What a failing tool really raised, when the agent reports it"),
});

export const handoff = z.object({ from: z.string().optional(), to: z.string() });

export const agent = z.looseObject({
  label: z.string().describe("Python or Node.js"),
  runtime: z.string(),
  entry: z.string(),
  root: z.string().describe("The project folder"),
  argv: z.array(z.string()).optional().describe("How the agent was launched"),
  id: z.string().optional().describe("The agent that took the session (e.g. echo_agent)"),
  instructions: z.string().optional().describe("Its instructions (system prompt), in full"),
});

/** The active agent's tools, by name. */
export const agentTools = z.array(z.string());

/** GetAgentInfo's answer: the active agent, its tools and its full instructions. */
export const agentInfo = z.looseObject({
  id: z.string(),
  tools: agentTools,
  instructions: z.string(),
});

/** Seconds, or 0 for never, as --idle-timeout takes them. */
export const idleTimeout = (what: string) => z.number().min(0).max(MAX_TIMEOUT_SECONDS).describe(what);

/** Figures the agent reports (latency, tokens), once the commands carry them (issue 15): passed through as they are. */
export const passthrough = z.unknown();
