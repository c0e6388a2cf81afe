// `dist/lk agent session mcp` driven by the SDK's own client over stdio, in a session sandbox.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { LK, REPO, type Sandbox } from "./lk.ts";

export interface McpSession {
  client: Client;
  /** The server's pid. */
  pid: number;
  /** Calls a tool; `progress` collects its progress messages. */
  call(name: string, args?: Record<string, unknown>, progress?: string[]): Promise<CallToolResult>;
  /** The structured content of a call that must succeed (its text otherwise fails the test). */
  ok(name: string, args?: Record<string, unknown>, progress?: string[]): Promise<Record<string, unknown>>;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** Protocol errors the client saw (a line on stdout that is not JSON-RPC is one). */
  errors: Error[];
  /** Closes stdin and waits for the server to exit, as a client that goes away does. */
  close(): Promise<void>;
}

const SLOW_MS = 120_000;

export async function startMcp(box: Sandbox, env: Record<string, string> = {}): Promise<McpSession> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(box.env(env))) if (value !== undefined) vars[key] = value;
  const transport = new StdioClientTransport({
    command: LK,
    args: ["agent", "session", "mcp"],
    env: vars,
    cwd: REPO,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "lk-e2e", version: "0" });
  const errors: Error[] = [];
  client.onerror = (error) => {
    // The SDK's client race on a notification read together with its response (typescript-sdk#2580):
    // the server cannot prevent it, and a client loses only that progress line.
    if (!/progress notification for an unknown token/.test(error.message)) errors.push(error);
  };
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}, progress: string[] = []) =>
    (await client.callTool({ name, arguments: args }, undefined, {
      timeout: SLOW_MS,
      onprogress: (p) => progress.push(String(p.message)),
    })) as CallToolResult;
  return {
    client,
    pid: transport.pid as number,
    call,
    ok: async (name, args, progress) => {
      const result = await call(name, args, progress);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as Record<string, unknown>;
    },
    stderr: () => stderr,
    errors,
    close: () => client.close(),
  };
}

/** A result's text. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}
