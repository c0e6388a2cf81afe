// The active agent in words: start's summary and status's instructions line.

import { describe, expect, test } from "bun:test";
import { agentSummary, instructionsLine } from "../../src/render/agent-info.ts";

describe("agentSummary", () => {
  test("names the agent and its tools, in the agent's order", () => {
    expect(
      agentSummary({
        id: "echo_agent",
        tools: ["lookup_weather", "transfer_to_billing", "broken_tool", "end_call"],
        instructions: "",
      }),
    ).toBe('Agent "echo_agent" with 4 tools: lookup_weather, transfer_to_billing, broken_tool, end_call.');
    expect(agentSummary({ id: "a", tools: ["one"], instructions: "" })).toBe('Agent "a" with 1 tool: one.');
    expect(agentSummary({ id: "a", tools: [], instructions: "" })).toBe('Agent "a" with no tools.');
  });
});

describe("instructionsLine", () => {
  test("the first line, marked when more follows; none said as much", () => {
    expect(instructionsLine("Be brief.")).toBe("Be brief.");
    expect(instructionsLine("  Be brief.\nAnd kind.\n")).toBe("Be brief. …");
    expect(instructionsLine("")).toBe("(none)");
    expect(instructionsLine("x".repeat(200))).toHaveLength(120);
  });
});
