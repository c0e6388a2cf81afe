// Progress notifications for one tool call, when the client asked for them (a progressToken): one
// per event the command reports, and a heartbeat while nothing happens, so a long turn shows life
// (and clients that reset their request timeout on progress keep waiting).

import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { DeliveredEvent } from "../protocol/events.ts";
import { droppedLine, summarizeToolOutput } from "../render/text.ts";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const HEARTBEAT_MS = 5_000;
const SETTLE_MS = 10;

export class ToolProgress {
  private count = 0;
  private sent: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly extra: ToolExtra | undefined) {}

  /** Starts the heartbeat: `waiting: …` every few seconds until stop(). */
  start(waiting: string): this {
    if (this.token !== undefined) {
      this.timer = setInterval(() => {
        const seconds = Math.round((Date.now() - this.startedAt) / 1000);
        this.send(`${waiting} (${seconds} s)`);
      }, HEARTBEAT_MS);
      this.timer.unref?.();
    }
    return this;
  }

  event(event: DeliveredEvent): void {
    this.send(eventLine(event));
  }

  /**
   * Ends the heartbeat; resolves once every notification is out, and a moment later. The SDK's
   * client handles a response at once but a notification a microtask later, so one read that holds
   * both drops the notification as "for an unknown token" (typescript-sdk#2580); the pause makes
   * that rarer, it cannot rule it out.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sent;
    if (this.count > 0) await Bun.sleep(SETTLE_MS);
  }

  private get token(): string | number | undefined {
    return this.extra?._meta?.progressToken;
  }

  private send(message: string): void {
    const progressToken = this.token;
    if (progressToken === undefined || !this.extra) return;
    const notification = {
      method: "notifications/progress" as const,
      params: { progressToken, progress: ++this.count, message },
    };
    const extra = this.extra;
    // In order; a client that has gone cannot be told, and the result says the rest.
    this.sent = this.sent.then(() => extra.sendNotification(notification)).catch(() => {});
  }
}

/** One event as one short line. */
export function eventLine(e: DeliveredEvent): string {
  const earlier = e.earlier ? " (before this turn)" : "";
  switch (e.type) {
    case "message":
      return `${e.role === "assistant" ? "agent" : e.role}${earlier}: ${summarizeToolOutput(JSON.stringify(e.text))}`;
    case "tool_call":
      return `tool call${earlier}: ${e.name} ${e.arguments || "{}"}`;
    case "tool_output": {
      const output = summarizeToolOutput(e.output);
      return `tool ${e.isError ? "failed" : "done"}${earlier}: ${e.name}${output ? `: ${output}` : ""}`;
    }
    case "handoff":
      return `handoff${earlier}: ${e.from ? `${e.from} → ` : ""}${e.to}`;
    case "config":
      return `agent config updated${earlier}`;
    case "error":
      return `error${earlier}: ${e.message}`;
    case "state":
      return `agent ${e.agent}${earlier}`;
    case "dropped":
      return droppedLine(e.count);
    default:
      // An event type added later: its name at least.
      return String((e as { type: unknown }).type);
  }
}
