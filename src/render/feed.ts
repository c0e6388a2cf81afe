// The `events` feed: one line per event, timestamped to the millisecond.

import type { DeliveredEvent } from "../protocol/events.ts";
import {
  type Colors,
  configSummary,
  droppedLine,
  restartLine,
  summarizeToolOutput,
  unreadRunLine,
} from "./text.ts";
import { clockTime } from "./time.ts";
import { visible as v } from "./visible.ts";

/** `14:03:07.042  Agent: The weather in Paris is sunny.` */
export function feedLine(e: DeliveredEvent, c: Colors): string {
  const when = e.at === null ? "--:--:--.---" : clockTime(e.at, true);
  return `${c.dim(when)}  ${feedText(e, c)}`;
}

/** The agent's text on one line: its line breaks shown as ↵, its control characters as \xHH. */
function oneLine(text: string): string {
  return v(text).replace(/\n/g, " ↵ ");
}

function feedText(e: DeliveredEvent, c: Colors): string {
  switch (e.type) {
    case "message": {
      const who = e.role === "user" ? c.cyan("You") : c.green(e.role === "assistant" ? "Agent" : e.role);
      if (e.heard !== undefined) return `${who} ${c.dim("(heard)")}: ${oneLine(e.heard)}`;
      return `${who}: ${oneLine(e.text)}${e.interrupted ? c.dim(" (interrupted)") : ""}`;
    }
    case "tool_call": {
      const args = e.arguments && e.arguments !== "{}" ? ` ${c.dim(oneLine(e.arguments))}` : "";
      return `${c.yellow(`function_tool: ${oneLine(e.name)}`)}${args}`;
    }
    case "tool_started": {
      const args = e.arguments && e.arguments !== "{}" ? ` ${c.dim(oneLine(e.arguments))}` : "";
      return `${c.yellow(`tool started: ${oneLine(e.name)}`)}${args}`;
    }
    case "tool_ended":
      return c.dim(`tool ended: ${oneLine(e.name ?? e.callId)} (${e.status})`);
    case "tool_output": {
      const mark = e.isError ? c.red("✗") : c.green("✓");
      const raised = e.isError && e.error ? ` ${c.dim(`(${summarizeToolOutput(e.error)})`)}` : "";
      const output = summarizeToolOutput(e.output);
      return `${mark} ${c.yellow(oneLine(e.name))}${output ? `: ${output}` : ""}${raised}`;
    }
    case "handoff":
      return c.magenta(oneLine(e.from ? `handoff: ${e.from} → ${e.to}` : `agent: ${e.to}`));
    case "config":
      return `${c.magenta("agent config:")} ${configSummary(e)}`;
    case "error":
      return c.red(`error: ${oneLine(e.message)}`);
    case "state":
      return c.dim(`agent state: ${e.agent}`);
    case "user_state":
      return c.dim(`user state: ${e.user}`);
    case "log":
      return `${c.dim(`log ${e.stream}:`)} ${oneLine(e.line)}`;
    case "dropped":
      return c.dim(droppedLine(e.count));
    case "restart":
      return c.dim(e.unread ? `${restartLine(null)} ${unreadRunLine(oneLine(e.unread))}` : restartLine(null));
  }
}
