// The MCP server: the tools of tools.ts on an McpServer, and the stdio process around it, which
// ends the sessions it started when its client goes (stdin closes, the transport closes, a signal).

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { CommandEnv, Outcome } from "../cli/command.ts";
import { stderr, stdout } from "../cli/stdio.ts";
import type { CommandIO } from "../commands/_shared.ts";
import type { SessionClient } from "../session/session-client.ts";
import { VERSION } from "../version.ts";
import { OwnedSessions } from "./owned-sessions.ts";
import { type ToolExtra, ToolProgress } from "./progress.ts";
import { type ResultLine, runCommand } from "./run-command.ts";
import { COMMANDS, type SessionCommand, TOOLS, type ToolContext, type ToolSpec } from "./tools.ts";

export interface ServerDeps {
  session: SessionClient;
  /** The environment the commands see (LK_SESSION_PORT, LK_SESSION_STATE_DIR, …) and where they run. */
  env: CommandEnv;
  /** A line for the server's log (stderr: stdout is the protocol). */
  log(line: string): void;
}

const INSTRUCTIONS =
  "These tools drive a LiveKit voice agent in text mode, offline: session_start once (in the agent's " +
  "project folder), then session_say for each user turn: it returns the reply, the tools called with " +
  "their arguments, and any handoff. session_logs shows the agent's own output when something fails; " +
  "session_restart picks up an edit to the agent's code; session_end stops it. Errors are tool results " +
  "with the reason and what to do next.";

export interface Served {
  server: McpServer;
  owned: OwnedSessions;
  /** Resolves once every start and restart under way has finished (and recorded its session). */
  startsSettled(): Promise<unknown>;
}

export function createServer(deps: ServerDeps): Served {
  const owned = new OwnedSessions();
  const starting = new Set<Promise<unknown>>();
  const server = new McpServer(
    { name: "lk-agent-session", title: "LiveKit agent session", version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  const run = (command: SessionCommand, args: string[], cwd = deps.env.cwd, progress?: ToolProgress) =>
    runCommand(command, COMMANDS[command], args, {
      session: deps.session,
      env: { ...deps.env, cwd },
      onEvent: (e) => progress?.event(e),
      onStderr: (text) => deps.log(text.trimEnd()),
    });
  const ctx: ToolContext = { owned, cwd: deps.env.cwd };

  for (const spec of TOOLS) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        // Loose: a field the command gains later is passed through, not refused.
        outputSchema: z.looseObject(spec.output),
      },
      (input: Record<string, unknown>, extra: ToolExtra) => {
        const call = callTool(spec, input, extra);
        if (spec.command !== "start" && spec.command !== "restart") return call;
        starting.add(call);
        return call.finally(() => starting.delete(call));
      },
    );
  }

  async function callTool(
    spec: ToolSpec,
    input: Record<string, unknown>,
    extra: ToolExtra,
  ): Promise<CallToolResult> {
    const progress = new ToolProgress(extra).start(spec.waiting);
    try {
      const done = await run(spec.command, spec.args(input, ctx), spec.cwd?.(input, ctx), progress);
      if (!done.result.ok) return failure(done.result);
      const structured = await spec.structured(done, input, ctx);
      return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
    } finally {
      await progress.stop();
    }
  }

  return { server, owned, startsSettled: () => Promise.allSettled([...starting]) };
}

/** A failed command as the CLI prints it: its sentence, then each detail line indented. */
export function failure(result: ResultLine): CallToolResult {
  const lines = [result.error ?? `failed with exit code ${result.exitCode}`];
  for (const line of result.detail ?? []) lines.push(`  ${line}`);
  // A turn that failed part-way (a timeout): what the agent had done by then.
  const events = Array.isArray(result.events) ? result.events : [];
  if (events.length) lines.push("", `events before that: ${JSON.stringify(events)}`);
  return { content: [{ type: "text", text: lines.join("\n") }], isError: true };
}

/** `lk agent session mcp`: serves until the client disconnects, then ends the sessions it started. */
export async function serveStdio(env: CommandEnv, io: CommandIO): Promise<Outcome> {
  // Nothing of ours may write to stdout now: it carries JSON-RPC alone.
  stdout.divertTo(stderr);
  const log = (line: string) => stderr.write(`lk agent session mcp: ${line}\n`);
  const { server, owned, startsSettled } = createServer({ session: io.session, env, log });
  // A reply to a client that has gone (a start it did not wait for) fails with EPIPE: nothing to do.
  process.stdout.on("error", () => {});
  const transport = new StdioServerTransport(process.stdin, process.stdout);
  const gone = disconnected(transport);
  await server.connect(transport);
  log(`serving ${TOOLS.length} tools on stdio (lk ${VERSION})`);

  const why = await gone;
  if (owned.all.some((s) => !s.keep)) log(`${why}: ending the sessions this server started`);
  for (const line of await owned.endAll(io.session)) log(line);
  // A start the client did not wait for is ended once it is up (the client may kill us first).
  await startsSettled();
  for (const line of await owned.endAll(io.session)) log(line);
  for (const kept of owned.all) log(`left running (keep): the session on 127.0.0.1:${kept.port}`);
  await server.close().catch(() => {});
  return { exitCode: 0 };
}

/** Resolves with the reason once the client is gone; a second signal exits at once. */
function disconnected(transport: StdioServerTransport): Promise<string> {
  return new Promise((resolve) => {
    process.stdin.once("end", () => resolve("the client closed stdin"));
    process.stdin.once("close", () => resolve("the client closed stdin"));
    transport.onclose = () => resolve("the connection closed");
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        resolve(`got ${signal}`);
        process.once(signal, () => process.exit(1));
      });
    }
  });
}
