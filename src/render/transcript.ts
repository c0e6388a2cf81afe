// A whole conversation as a file: markdown for people, JSON for programs.

import type { DeliveredEvent } from "../protocol/events.ts";
import { JSON_SCHEMA_VERSION } from "./reporter.ts";
import { droppedLine, restartLine, summarizeToolOutput, unreadRunLine } from "./text.ts";
import { safeJson, visible as v } from "./visible.ts";

export interface TranscriptMeta {
  port: number;
  agent: string;
  /** When the session started (its first run, when the agent was restarted since). */
  startedAt: string;
  endedAt: string;
  /** How often the agent was restarted: each restart is a marker among the events. */
  restarts: number;
}

export function transcriptMarkdown(meta: TranscriptMeta, events: DeliveredEvent[]): string {
  const lines = [
    `# Agent session transcript`,
    "",
    `- agent: ${meta.agent}`,
    `- started: ${meta.startedAt}`,
    `- ended: ${meta.endedAt}`,
    ...(meta.restarts ? [`- restarts: ${meta.restarts} (each marked below)`] : []),
    "",
  ];
  // Made visible as on a terminal: whoever reads the file may well `cat` it.
  for (const e of events) {
    switch (e.type) {
      case "message":
        lines.push(
          `**${e.role === "user" ? "You" : e.role === "assistant" ? "Agent" : e.role}:** ${v(e.text)}`,
          "",
        );
        break;
      case "tool_call":
        lines.push(
          `**Tool** \`${v(e.name)}\`${e.arguments && e.arguments !== "{}" ? ` \`${v(e.arguments)}\`` : ""}`,
          "",
        );
        break;
      case "tool_output": {
        const summary = summarizeToolOutput(e.output);
        const raised = e.error ? ` (${summarizeToolOutput(e.error)})` : "";
        if (e.isError || summary) lines.push(`> ${e.isError ? "✗" : "✓"} ${summary}${raised}`, "");
        break;
      }
      case "handoff":
        lines.push(e.from ? `*handoff: ${v(e.from)} → ${v(e.to)}*` : `*agent: ${v(e.to)}*`, "");
        break;
      case "config":
        lines.push(`*agent config updated*`, "");
        break;
      case "error":
        lines.push(`**Error:** ${v(e.message)}`, "");
        break;
      case "state":
      case "user_state":
      case "log":
      case "tool_started":
      case "tool_ended":
        break;
      case "dropped":
        lines.push(`*${droppedLine(e.count)}*`, "");
        break;
      case "restart":
        lines.push("---", "", `*${restartLine(e.at)}*`, "");
        if (e.unread) lines.push(`*${unreadRunLine(v(e.unread))}*`, "");
        break;
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

export function transcriptJson(meta: TranscriptMeta, events: DeliveredEvent[]): string {
  return `${safeJson({ v: JSON_SCHEMA_VERSION, ...meta, events }, 2)}\n`;
}
