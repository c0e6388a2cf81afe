// `lk agent session mcp`: the session commands as MCP tools on stdio, for coding agents. This file
// is all that help and the command tree load; the SDK comes with server.ts, when the command runs.

import { type CommandEnv, defineCommand } from "../cli/command.ts";
import type { CommandIO } from "../commands/_shared.ts";

export default defineCommand({
  path: "lk agent session mcp",
  description: "Serve the session as MCP tools on stdin/stdout, for coding agents (Claude Code, Cursor, …)",
  args: {},
  examples: ["lk agent session mcp", "claude mcp add lk-agent-session -- lk agent session mcp"],
  // It ends the sessions it started on SIGINT, SIGTERM and SIGHUP itself.
  ownsSignals: true,
  options: (_args, env): CommandEnv => ({ ...env, stdinIsTerminal: true }),
  run: async (env: CommandEnv, io: CommandIO) => (await import("./server.ts")).serveStdio(env, io),
});
