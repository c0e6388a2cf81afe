// The MCP tools: each runs one `lk agent session` command in-process (its own parsing, checks and
// messages) and shapes the command's `--json` result for a model to read. A tool's input becomes
// that command's flags; its structured content is the command's result fields plus a summary.

import { resolve } from "node:path";
import * as z from "zod";
import type { CommandLoader } from "../cli/runner.ts";
import type { CommandIO } from "../commands/_shared.ts";
import type { AgentInfo } from "../protocol/control.ts";
import { ENV_NAME } from "../protocol/env.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { OwnedSessions } from "./owned-sessions.ts";
import type { CommandRun, ResultLine } from "./run-command.ts";
import * as s from "./schemas.ts";
import { agentText, lastHandoff, toolsCalled } from "./turn-summary.ts";

/** The commands behind the tools, each loaded on first use. */
export const COMMANDS = {
  start: () => import("../commands/start.ts").then((m) => m.default),
  say: () => import("../commands/say.ts").then((m) => m.default),
  end: () => import("../commands/end.ts").then((m) => m.default),
  status: () => import("../commands/status.ts").then((m) => m.default),
  logs: () => import("../commands/logs.ts").then((m) => m.default),
  history: () => import("../commands/history.ts").then((m) => m.default),
  listen: () => import("../commands/listen.ts").then((m) => m.default),
  restart: () => import("../commands/restart.ts").then((m) => m.default),
  test: () => import("../commands/test.ts").then((m) => m.default),
} satisfies Record<string, CommandLoader<CommandIO>>;

export type SessionCommand = keyof typeof COMMANDS;

/** What a tool gets besides its input. */
export interface ToolContext {
  owned: OwnedSessions;
  /** The server's working directory: where relative paths start. */
  cwd: string;
}

export interface ToolSpec<I extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  /** One paragraph, for the model choosing a tool. */
  description: string;
  input: I;
  output: z.ZodRawShape;
  command: SessionCommand;
  /** What the heartbeat says while the command runs. */
  waiting: string;
  /** The command's arguments (after its name); values as `--flag=value`, text after `--`. */
  args(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): string[];
  /** Where the command runs (default: the server's working directory). */
  cwd?(input: z.infer<z.ZodObject<I>>, ctx: ToolContext): string;
  /** The structured content of a successful run; may record the session as this server's. */
  structured(run: CommandRun, input: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<Fields> | Fields;
}

type Fields = Record<string, unknown>;

function tool<I extends z.ZodRawShape>(spec: ToolSpec<I>): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** The result line without its envelope: the command's own fields. */
export function fieldsOf(result: ResultLine): Fields {
  const { v: _v, kind: _kind, command: _command, ok: _ok, exitCode: _exit, ...fields } = result;
  return fields;
}

/** `--port=N` for the port given, else the session this server started last, else the CLI's default. */
function portArgs(port: number | undefined, ctx: ToolContext): string[] {
  const chosen = port ?? ctx.owned.lastPort;
  return chosen === undefined ? [] : [`--port=${chosen}`];
}

const flag = (name: string, value: string | number | undefined) =>
  value === undefined ? [] : [`--${name}=${value}`];

/** `env` as `--env=NAME=VALUE` flags, one per variable. */
const envFlags = (env: Record<string, string> | undefined) =>
  Object.entries(env ?? {}).map(([name, value]) => `--env=${name}=${value}`);

const envInput = (what: string) =>
  z
    .record(
      z.string().regex(ENV_NAME, "a variable name: letters, digits and _, not first a digit"),
      z.string(),
    )
    .optional()
    .describe(what);

const eventsOf = (fields: Fields) => (fields.events ?? []) as DeliveredEvent[];

/**
 * start and restart: the greeting as text, its events beside it, and the agent that took the session
 * (its id and instructions in `agent`, its tools in `tools`) from the command's agentInfo, absent
 * when the agent does not answer GetAgentInfo.
 */
function startedFields(fields: Fields): Fields {
  const { agentInfo, ...rest } = fields;
  const greeting = (fields.greeting ?? []) as DeliveredEvent[];
  const info = agentInfo as AgentInfo | undefined;
  return {
    ...rest,
    agent: {
      ...(fields.agent as Fields | undefined),
      ...(info ? { id: info.id, instructions: info.instructions } : {}),
    },
    ...(info ? { tools: info.tools } : {}),
    greeting: agentText(greeting),
    events: greeting,
  };
}

const startedOutput = {
  port: z.number(),
  agent: s.agent,
  tools: s.agentTools.optional().describe("The tools of the agent that took the session, by name"),
  greeting: z.string().describe("What the agent said on its own at start (may be empty)"),
  events: s.events.describe("The greeting's events"),
  daemonPid: z.number(),
  agentPid: z.number(),
  agentLog: z.string().describe("The agent's own stdout and stderr (session_logs reads it)"),
  readyMs: z.number().describe("How long the start took, in ms"),
};

export const TOOLS: ToolSpec[] = [
  tool({
    name: "session_start",
    title: "Start a voice agent session",
    description:
      "Start a LiveKit voice agent (Python livekit-agents or Node @livekit/agents, its own code, unmodified) " +
      "in text mode as a background session, and wait until it is connected and has greeted: no audio, " +
      "no LiveKit server, no network needed. Give `cwd` (the agent's project folder) and `entrypoint` " +
      "(e.g. agent.py or agent.mjs; found by convention when omitted). One agent runs per port: the default " +
      "is 8775 (or LK_SESSION_PORT), and `port` runs another one beside it. Returns the port, the agent " +
      "(runtime, entry, folder, its id and instructions), the names of its tools, its greeting and its log " +
      "file. The session runs until session_end, or until no tool used it for `idle_timeout` (default 30 " +
      "minutes); it is also ended when this MCP connection closes, unless `keep` is true. After you edit " +
      "the agent's code, use session_restart. A failure (no agent found, the SDK missing, the agent " +
      "crashing on start, the port taken) is an error result with the reason and the agent's last output.",
    input: {
      entrypoint: z.string().optional().describe("The agent's main file, relative to cwd"),
      cwd: z.string().optional().describe("The agent's project folder (default: this server's folder)"),
      port: s.port.optional().describe("Session port on 127.0.0.1 (default 8775, or LK_SESSION_PORT)"),
      runtime_args: z
        .array(z.string())
        .optional()
        .describe('Arguments for the agent\'s interpreter, before the entrypoint (e.g. ["-X", "dev"])'),
      runtime: z
        .enum(["node", "bun"])
        .optional()
        .describe(
          "Node.js agents: node, or bun built into lk (the default without node; runs TypeScript on any Node)",
        ),
      timeout: s.seconds("Seconds to wait for the agent to connect (default 60)").optional(),
      idle_timeout: s
        .idleTimeout(
          "End the session after this many seconds without a command (default 1800, or LK_SESSION_IDLE_TIMEOUT; 0: never)",
        )
        .optional(),
      keep: z.boolean().optional().describe("Keep the session running after this MCP connection closes"),
      env: envInput(
        "Variables for the agent, on top of this server's environment (as --env); session_restart reuses them",
      ),
    },
    output: { ...startedOutput, keep: z.boolean() },
    command: "start",
    waiting: "waiting for the agent to connect",
    args: (i) => [
      ...flag("port", i.port),
      ...flag("runtime", i.runtime),
      ...flag("timeout", i.timeout),
      ...flag("idle-timeout", i.idle_timeout),
      ...envFlags(i.env),
      ...(i.entrypoint !== undefined ? [i.entrypoint] : []),
      ...(i.runtime_args?.length ? ["--", ...i.runtime_args] : []),
    ],
    cwd: (i, ctx) => resolve(ctx.cwd, i.cwd ?? "."),
    structured: ({ result }, i, ctx) => {
      const fields = fieldsOf(result);
      const keep = i.keep === true;
      ctx.owned.started({ port: Number(fields.port), daemonPid: Number(fields.daemonPid), keep });
      return { ...startedFields(fields), keep };
    },
  }),

  tool({
    name: "session_say",
    title: "Say one user turn to the agent",
    description:
      "Send one user turn (text) to the running agent and wait until it has finished answering. Returns the " +
      "agent's reply text, every tool it called in this turn with its parsed arguments and output " +
      "(tools_called), the handoff if another agent took over, `silent` when it said nothing, and all the " +
      "turn's events (messages, tool calls and outputs, handoffs, state changes; events marked earlier: " +
      "true happened before this turn, such as a greeting). Use it to check what the agent answers, which " +
      "tools it picks and with which arguments. `port` defaults to the session this server started last, " +
      "else 8775; `timeout` (seconds, default 120) bounds the turn. In an audio session the text is spoken " +
      "into the agent's microphone, and `heard` and `audio` (latencies measured on our side) come too. No " +
      "session, an agent error, a timeout or a turn the agent did not hear is an error result with the " +
      "reason and the agent's last output lines.",
    input: {
      text: z.string().min(1).describe("What the user says"),
      port: s.port.optional(),
      timeout: s.seconds("Seconds to wait for the agent's turn (default 120)").optional(),
    },
    output: {
      text: z.string(),
      reply: z.string().describe("The agent's words in this turn (earlier output excluded)"),
      events: s.events,
      tools_called: z.array(s.toolCalled),
      handoff: s.handoff.optional().describe("The turn's last handoff: the agent now answering"),
      silent: z.boolean().describe("The agent said nothing in this turn"),
      metrics: s.passthrough
        .optional()
        .describe("Latency figures per assistant message (when lk reports them)"),
      usage: s.passthrough.optional().describe("Tokens used in the turn, per model (when lk reports them)"),
      heard: z
        .string()
        .optional()
        .describe(
          "An audio session (start --audio): what the agent heard, its transcript of the spoken turn",
        ),
      audio: s.passthrough
        .optional()
        .describe(
          "An audio session: userMs (the speech), transcriptMs and firstAudioMs (after the end of speech), agentMs (its speech), playback",
        ),
    },
    command: "say",
    waiting: "waiting for the agent's turn",
    args: (i, ctx) => [...portArgs(i.port, ctx), ...flag("timeout", i.timeout), "--", i.text],
    structured: ({ result }) => {
      const fields = fieldsOf(result);
      const events = eventsOf(fields);
      const handoff = lastHandoff(events);
      return {
        ...fields,
        tools_called: toolsCalled(events),
        ...(handoff ? { handoff } : {}),
        silent: typeof fields.silent === "boolean" ? fields.silent : fields.reply === "",
      };
    },
  }),

  tool({
    name: "session_history",
    title: "The conversation so far",
    description:
      "The whole conversation of the running session as the agent itself keeps it (its chat context): " +
      "user and assistant messages, tool calls and their outputs, handoffs, in order. Use it to review " +
      "what happened across turns, or after a restart to see what the agent remembers (nothing: a " +
      "restart starts a fresh conversation). `port` defaults to the session this server started last.",
    input: { port: s.port.optional() },
    output: { events: s.events },
    command: "history",
    waiting: "reading the conversation",
    args: (i, ctx) => portArgs(i.port, ctx),
    structured: ({ result }) => fieldsOf(result),
  }),

  tool({
    name: "session_status",
    title: "Is a session running, and how",
    description:
      "Whether a session is running on the port, and its details: the agent's entry and folder, runtime " +
      "and framework version, the active agent (it changes after a handoff) with its state, its tools and " +
      "its full instructions (status.agentInfo), pids, uptime, turns so far, the idle timeout, output " +
      "waiting to be seen, and the log paths. No session, or one that ended (idle, or its agent exited), " +
      "is an error result saying so and when. `port` defaults to the session this server started last, else 8775.",
    input: { port: s.port.optional() },
    output: {
      running: z.boolean(),
      status: z.looseObject({
        port: z.number(),
        daemonPid: z.number(),
        agentPid: z.number(),
        entry: z.string(),
        root: z.string(),
        runtime: z.string(),
        label: z.string(),
        runtimeArgs: z.array(z.string()),
        framework: z.looseObject({ sdk: z.string(), version: z.string() }).optional(),
        agentId: z.string().optional().describe("The active agent's id, as the session state tells it"),
        agentInfo: s.agentInfo
          .optional()
          .describe("The active agent after handoffs (absent when the agent does not answer GetAgentInfo)"),
        agentState: z.string().describe("initializing, idle, listening, thinking or speaking"),
        startedAt: z.string().describe("When the daemon started (start); a restart does not change it"),
        uptimeMs: z.number().describe("The daemon's: since start"),
        run: z.number().describe("Which run the agent now running is: 1, then one more at each restart"),
        runStartedAt: z.string().describe("When the agent now running was started"),
        runUptimeMs: z.number(),
        idleTimeoutMs: z.number().describe("No command for this long ends the session; 0: never"),
        turns: z.number(),
        unseen: z.number().describe("Events the agent produced that no turn has shown yet"),
        queued: z.number(),
        agentLog: z.string(),
        daemonLog: z.string(),
        usage: s.passthrough
          .optional()
          .describe("The session's tokens so far, per model (when lk reports them)"),
      }),
    },
    command: "status",
    waiting: "asking the session",
    args: (i, ctx) => portArgs(i.port, ctx),
    structured: ({ result }) => fieldsOf(result),
  }),

  tool({
    name: "session_logs",
    title: "The agent's own log",
    description:
      "The last lines the agent process itself wrote to stdout and stderr (its logging, warnings, " +
      "tracebacks), as the session keeps them. Use it when a turn fails, a tool errors or the agent " +
      "behaves unexpectedly: the cause is usually here. With no session running (it ended, or its start " +
      "failed) it reads the log the port kept of its last run. `lines` (default 50) sets " +
      "how many; `port` defaults to the session this server started last.",
    input: {
      lines: z
        .number()
        .int()
        .min(0)
        .max(100_000)
        .optional()
        .describe("How many of the last lines (default 50)"),
      port: s.port.optional(),
    },
    output: {
      path: z.string().describe("The log file"),
      lines: z.array(z.string()),
      ended: z
        .looseObject({ endedAt: z.string(), why: z.string() })
        .optional()
        .describe("The session had ended on its own: when and why"),
    },
    command: "logs",
    waiting: "reading the log",
    args: (i, ctx) => [...portArgs(i.port, ctx), ...flag("lines", i.lines)],
    structured: ({ result, logs }) => ({ ...fieldsOf(result), lines: logs }),
  }),

  tool({
    name: "session_listen",
    title: "Wait for the agent to speak on its own",
    description:
      "Wait, without sending a turn, for what the agent says on its own: a greeting that came late, a " +
      "reminder on a timer, a message after a background task. Output the agent produced since the last " +
      "turn is returned at once; otherwise it waits up to `timeout` seconds (default 30), and hearing " +
      "nothing in that time is an error result saying so. `port` defaults to the session this server started last.",
    input: {
      timeout: s.seconds("Seconds to wait for the agent to say something (default 30)").optional(),
      port: s.port.optional(),
    },
    output: { reply: z.string(), events: s.events },
    command: "listen",
    waiting: "listening",
    args: (i, ctx) => [...portArgs(i.port, ctx), ...flag("timeout", i.timeout)],
    structured: ({ result }) => fieldsOf(result),
  }),

  tool({
    name: "session_restart",
    title: "Restart the agent after an edit",
    description:
      "Stop the session's agent and start a fresh one with the same entrypoint, runtime arguments and " +
      "port, and wait until it is ready: run it after editing the agent's code, then send turns again. " +
      "The conversation starts over. The agent gets the environment it got at start, plus `env`, kept " +
      "for later restarts. Returns what session_start returns (the greeting included); a broken edit " +
      "that makes the agent fail to start is an error result with its output, and the session stays up " +
      "without an agent on the same port: fix the code and call session_restart again. The idle " +
      "timeout stays as it was unless `idle_timeout` gives a new one. `port` defaults to the session this " +
      "server started last.",
    input: {
      port: s.port.optional(),
      timeout: s.seconds("Seconds to wait for the agent to connect (default: as at start)").optional(),
      idle_timeout: s
        .idleTimeout("A new idle timeout in seconds (default: as at start; 0: never)")
        .optional(),
      env: envInput("Variables to add or change for the agent, kept for later restarts (as --env)"),
    },
    output: startedOutput,
    command: "restart",
    waiting: "waiting for the agent to connect",
    args: (i, ctx) => [
      ...portArgs(i.port, ctx),
      ...flag("timeout", i.timeout),
      ...flag("idle-timeout", i.idle_timeout),
      ...envFlags(i.env),
    ],
    structured: ({ result }, _i, ctx) => {
      const fields = fieldsOf(result);
      ctx.owned.restarted(Number(fields.port), Number(fields.daemonPid));
      return startedFields(fields);
    },
  }),

  tool({
    name: "session_end",
    title: "End the session",
    description:
      "Stop the agent and its session; the port is free when this returns. Returns a closing summary: " +
      "turns, how long the session ran, the active agent at the end, and the agent's log file (kept with " +
      "the port's last 3 runs' logs, listed in `logsKept`). `chat_history` first returns the whole conversation (events), `logs` " +
      "the agent's whole log (lines). `transcript` first writes the conversation to a markdown file, and " +
      "`save_test` writes it as a test scenario that replays the conversation and checks the same tools " +
      "and replies (needs an lk with `end --save-test`); relative paths start at this server's folder. " +
      "`port` defaults to the session this server started last. No session is an error result saying so.",
    input: {
      port: s.port.optional(),
      chat_history: z.boolean().optional().describe("Return the whole conversation (events) first"),
      logs: z.boolean().optional().describe("Return the agent's whole log (lines), read once it has stopped"),
      transcript: z.string().optional().describe("Write the conversation to this markdown file first"),
      save_test: z
        .string()
        .optional()
        .describe("Write the conversation as a test scenario to this file first"),
    },
    output: {
      port: z.number(),
      summary: z
        .looseObject({
          turns: z.number().describe("Every run's turns (the whole session, across restarts)"),
          startedAt: z.string(),
          uptimeMs: z.number().describe("From start until the end began"),
          runs: z.number().describe("How many agents took the session (more than 1 after restarts)"),
          agentId: z.string().optional().describe("The agent in charge at the end (after handoffs)"),
          agentLog: z.string().describe("This run's log, kept with the port's last 3 runs' logs"),
          usage: s.passthrough
            .optional()
            .describe("The whole session's tokens (every run's), per model (when lk reports them)"),
        })
        .optional()
        .describe("How the session went (absent when the daemon could not tell)"),
      events: s.events.optional().describe("The whole conversation (with chat_history)"),
      lines: z.array(z.string()).optional().describe("The agent's whole log (with logs)"),
      transcript: z.string().optional().describe("Where the transcript was written"),
    },
    command: "end",
    waiting: "ending the session",
    args: (i, ctx) => [
      ...portArgs(i.port, ctx),
      ...(i.chat_history ? ["--chat-history"] : []),
      ...(i.logs ? ["--logs"] : []),
      ...flag("transcript", i.transcript),
      ...flag("save-test", i.save_test),
    ],
    structured: ({ result, logs }, i, ctx) => {
      const fields = fieldsOf(result);
      ctx.owned.ended(Number(fields.port));
      return { ...fields, ...(i.logs ? { lines: logs } : {}) };
    },
  }),

  // No `events` tool: the feed never ends by itself (only Ctrl-C or the session's end stop it), so a
  // call would hold its request open until the client gave up, and bounding it would take a stop the
  // command does not have (a time limit, or an abort for a run in-process). What it shows reaches a
  // model anyway: session_say and session_listen return each turn's events (and stream them as
  // progress while the turn runs), session_history the conversation, session_logs the agent's log.

  tool({
    name: "session_test",
    title: "Run conversation tests",
    description:
      "Run test scenarios (`*.lktest.yaml` files, or folders holding them; default: the project's `tests/` " +
      "folder): each scenario starts its own fresh agent session on a free port, sends its user turns, checks " +
      "each turn's expectations (tools called with their arguments, handoffs, reply patterns, latency bounds) " +
      "and ends the session. It never touches the sessions on your ports. Passing is a normal result with the " +
      "counts and each scenario's outcome; a failing expectation or a scenario that could not run is an error " +
      "result naming each one, with the failed turn's expectation, what happened and the agent's last log " +
      "lines. Save a conversation as a scenario with session_end's `save_test`. Relative paths start at `cwd`.",
    input: {
      paths: z
        .array(z.string())
        .optional()
        .describe("Scenario files or folders (default: the project's tests/)"),
      jobs: z.number().int().positive().max(64).optional().describe("Scenarios run at once (default 1)"),
      cwd: z.string().optional().describe("Where relative paths start (default: this server's folder)"),
    },
    output: {
      scenarios: z.number(),
      passed: z.number(),
      failed: z.number(),
      errors: z.number(),
      passRate: z.number(),
      results: z.array(s.passthrough).describe("Each scenario: its file, name, status and turns"),
    },
    command: "test",
    waiting: "running the scenarios",
    cwd: (i, ctx) => resolve(ctx.cwd, i.cwd ?? "."),
    args: (i) => [...flag("jobs", i.jobs), ...(i.paths?.length ? ["--", ...i.paths] : [])],
    structured: ({ result }) => fieldsOf(result),
  }),
];
