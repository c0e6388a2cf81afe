// The active agent in words: start's summary line and status's rows.

import type { AgentInfo } from "../protocol/control.ts";
import { firstLine } from "./text.ts";
import { visible } from "./visible.ts";

/** `Agent "echo_agent" with 2 tools: lookup_weather, end_call.` */
export function agentSummary(info: AgentInfo): string {
  const n = info.tools.length;
  const tools = n === 0 ? "no tools" : `${n} tool${n === 1 ? "" : "s"}: ${info.tools.join(", ")}`;
  return visible(`Agent "${info.id}" with ${tools}.`);
}

/** The first line of the instructions, marked when there is more. */
export function instructionsLine(instructions: string): string {
  const first = firstLine(instructions);
  if (first === "") return "(none)";
  return instructions.trim().includes("\n") && !first.endsWith("…") ? `${first} …` : first;
}
