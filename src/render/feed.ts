// The `events` feed: one line per event, timestamped to the millisecond.

import type { DeliveredEvent } from "../protocol/events.ts";
import { type Colors, configSummary, droppedLine, summarizeToolOutput } from "./text.ts";
import { clockTime } from "./time.ts";

/** `14:03:07.042  Agent: The weather in Paris is sunny.` */
export function feedLine(e: DeliveredEvent, c: Colors): string {
  return `${c.dim(clockTime(e.at, true))}  ${feedText(e, c)}`;
}

/** One line, whatever the text: its line breaks shown as ↵. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, " ↵ ");
}

function feedText(e: DeliveredEvent, c: Colors): string {
  switch (e.type) {
    case "message": {
      const who = e.role === "user" ? c.cyan("You") : c.green(e.role === "assistant" ? "Agent" : e.role);
      return `${who}: ${oneLine(e.text)}${e.interrupted ? c.dim(" (interrupted)") : ""}`;
    }
    case "tool_call": {
      const args = e.arguments && e.arguments !== "{}" ? ` ${c.dim(e.arguments)}` : "";
      return `${c.yellow(`function_tool: ${e.name}`)}${args}`;
    }
    case "tool_output": {
      const mark = e.isError ? c.red("✗") : c.green("✓");
      const raised = e.isError && e.error ? ` ${c.dim(`(${summarizeToolOutput(e.error)})`)}` : "";
      const output = summarizeToolOutput(e.output);
      return `${mark} ${c.yellow(e.name)}${output ? `: ${output}` : ""}${raised}`;
    }
    case "handoff":
      return c.magenta(e.from ? `handoff: ${e.from} → ${e.to}` : `agent: ${e.to}`);
    case "config":
      return `${c.magenta("agent config:")} ${configSummary(e)}`;
    case "error":
      return c.red(`error: ${oneLine(e.message)}`);
    case "state":
      return c.dim(`agent state: ${e.agent}`);
    case "user_state":
      return c.dim(`user state: ${e.user}`);
    case "log":
      return `${c.dim(`log ${e.stream}:`)} ${e.line}`;
    case "dropped":
      return c.dim(droppedLine(e.count));
  }
}
