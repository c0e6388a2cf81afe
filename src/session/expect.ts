// The one matcher: what a turn is expected to do (reply, tools, handoffs, latency, errors) and
// whether it did. `say --expect*`, replay files and test scenarios all decide here.

import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { summarizeToolOutput, unquoteOutput as unquote } from "../render/text.ts";
import { formatMs } from "../render/time.ts";
import {
  e2eLatencyMs,
  handoffs,
  heardText,
  type ObservedTurn,
  type ToolCallSeen,
  toolCalls,
} from "./observed-turn.ts";

export interface TextPattern {
  /** As the user wrote it, for messages. */
  source: string;
  test(text: string): boolean;
}

export type Expectation =
  | { kind: "reply"; pattern: TextPattern; negated: boolean }
  /** A call to `name` happened; with `args`, its JSON arguments contain these; with `output`, its output matches. */
  | { kind: "tool"; name: string; args?: Record<string, unknown>; output?: TextPattern }
  | { kind: "no_tool"; name: string }
  | { kind: "handoff"; to: string; from?: string }
  /** Upper bounds in ms: `e2e` from the agent's metrics, `turn` the turn's wall time. */
  | { kind: "latency"; e2eMs?: number; turnMs?: number }
  /** The turn ends with (true) or without (false) an agent error. */
  | { kind: "error"; expected: boolean }
  /** Whether any tool of the turn failed, even when the agent recovered from it. */
  | { kind: "tool_error"; expected: boolean }
  /** What the agent heard of a spoken turn (an audio session): its transcript matches. */
  | { kind: "heard"; pattern: TextPattern };

export interface ExpectationResult {
  kind: Expectation["kind"];
  /** What was expected, in words. */
  expected: string;
  ok: boolean;
  /** Reply expectations also carry their pattern as written and whether it was negated. */
  pattern?: string;
  negated?: boolean;
}

export interface TurnCheck {
  results: ExpectationResult[];
  /** Exit 2, with what was expected and what happened; absent when every expectation held. */
  error?: UserError;
}

/**
 * `/body/flags` is a regex; anything else is a regex too (say, replay), a plain substring
 * (scenarios), or one in any case (`isubstring`: what a speech recogniser heard).
 */
export function parsePattern(raw: string, bare: "regex" | "substring" | "isubstring"): TextPattern {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(raw);
  if (!literal && bare === "substring") return { source: raw, test: (text) => text.includes(raw) };
  if (!literal && bare === "isubstring")
    return { source: raw, test: (text) => text.toLowerCase().includes(raw.toLowerCase()) };
  try {
    // No `g` or `y` state carried from one test to the next.
    const flags = (literal?.[2] ?? "").replace(/[gy]/g, "");
    const regex = literal ? new RegExp(literal[1] as string, flags) : new RegExp(raw);
    return { source: raw, test: (text) => regex.test(text) };
  } catch (error) {
    throw new UserError(`invalid expectation ${JSON.stringify(raw)}: ${(error as Error).message}`);
  }
}

/** A reply pattern as `say --expect` and replay files write it (bare text is a regex). */
export function parseExpectation(raw: string, negated = false): Extract<Expectation, { kind: "reply" }> {
  return { kind: "reply", pattern: parsePattern(raw, "regex"), negated };
}

export function parseExpectations(raw: string[]): Expectation[] {
  return raw.map((r) => parseExpectation(r));
}

/** `NAME` or `NAME:JSON` (`say --expect-tool`): a call to the tool, its arguments containing JSON. */
export function parseToolExpectation(raw: string): Expectation {
  const colon = raw.indexOf(":");
  const name = (colon === -1 ? raw : raw.slice(0, colon)).trim();
  if (!name) throw new UserError(`--expect-tool needs a tool name (got ${JSON.stringify(raw)})`);
  if (colon === -1) return { kind: "tool", name };
  let args: unknown;
  try {
    args = JSON.parse(raw.slice(colon + 1));
  } catch (error) {
    throw new UserError(`--expect-tool ${name}: the arguments are not JSON: ${(error as Error).message}`, 1, [
      `e.g. --expect-tool '${name}:{"location":"Paris"}'`,
    ]);
  }
  if (!isObject(args))
    throw new UserError(
      `--expect-tool ${name}: the arguments must be a JSON object (got ${raw.slice(colon + 1)})`,
    );
  return { kind: "tool", name, args };
}

/** Does `actual` contain `expected`: every key of an object (recursively), arrays element by element. */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => containsSubset(actual[i], e))
    );
  if (isObject(expected))
    return (
      isObject(actual) &&
      Object.entries(expected).every(([k, v]) => Object.hasOwn(actual, k) && containsSubset(actual[k], v))
    );
  return Object.is(actual, expected);
}

export function describe(e: Expectation): string {
  switch (e.kind) {
    case "reply":
      return `a reply ${e.negated ? "not matching" : "matching"} ${e.pattern.source}`;
    case "tool": {
      const args = e.args ? ` with arguments containing ${JSON.stringify(e.args)}` : "";
      const output = e.output ? `${args ? " and" : ""} with output matching ${e.output.source}` : "";
      return `a call to ${e.name}${args}${output}`;
    }
    case "no_tool":
      return `no call to ${e.name}`;
    case "handoff":
      return `a handoff to ${e.to}${e.from ? ` from ${e.from}` : ""}`;
    case "latency":
      return [
        e.turnMs !== undefined ? `the turn within ${formatMs(e.turnMs)}` : "",
        e.e2eMs !== undefined ? `e2e latency within ${formatMs(e.e2eMs)}` : "",
      ]
        .filter(Boolean)
        .join(" and ");
    case "error":
      return e.expected ? "an agent error" : "no agent error";
    case "tool_error":
      return e.expected ? "a failing tool" : "no failing tool";
    case "heard":
      return `the agent to hear ${e.pattern.source}`;
  }
}

/** Every expectation against the turn; `error` (exit 2) says which failed and what happened. */
export function checkTurn(expectations: Expectation[], turn: ObservedTurn): TurnCheck {
  const results = expectations.map((e): ExpectationResult => {
    const base = { kind: e.kind, expected: describe(e), ok: holds(e, turn) };
    return e.kind === "reply" ? { ...base, pattern: e.pattern.source, negated: e.negated } : base;
  });
  const failed = expectations.filter((_, i) => !results[i]?.ok);
  if (failed.length === 0) return { results };
  return { results, error: new UserError(headline(failed), EXIT.expectation, failureDetail(failed, turn)) };
}

/**
 * Reply expectations against the agent's greeting (what it said on its own at start; undefined when
 * it said nothing, which fails every one of them: a greeting check expects a greeting).
 */
export function checkGreeting(
  expectations: Extract<Expectation, { kind: "reply" }>[],
  greeting: string | undefined,
): TurnCheck {
  const results = expectations.map(
    (e): ExpectationResult => ({
      kind: e.kind,
      expected: describe(e).replace(/^a reply/, "a greeting"),
      ok: greeting !== undefined && e.pattern.test(greeting) !== e.negated,
      pattern: e.pattern.source,
      negated: e.negated,
    }),
  );
  const failed = expectations.filter((_, i) => !results[i]?.ok);
  if (failed.length === 0) return { results };
  const heard =
    greeting === undefined
      ? ["+ the agent said nothing on its own before the first turn"]
      : ["+ the agent greeted:", ...greeting.split("\n").map((l) => `    ${l}`)];
  const headline =
    greeting === undefined
      ? "expectation failed: the agent did not greet"
      : "expectation failed: the agent's greeting did not match";
  return {
    results,
    error: new UserError(headline, EXIT.expectation, [...failureDetail(failed, undefined), ...heard]),
  };
}

function holds(e: Expectation, turn: ObservedTurn): boolean {
  switch (e.kind) {
    case "reply":
      return e.pattern.test(turn.reply) !== e.negated;
    case "tool":
      return toolCalls(turn).some((call) => call.name === e.name && callMatches(call, e));
    case "no_tool":
      return !toolCalls(turn).some((call) => call.name === e.name);
    case "handoff":
      return handoffs(turn).some((h) => h.to === e.to && (e.from === undefined || h.from === e.from));
    case "latency": {
      const e2e = e2eLatencyMs(turn);
      const turnOk = e.turnMs === undefined || turn.wallMs <= e.turnMs;
      return turnOk && (e.e2eMs === undefined || (e2e !== undefined && e2e <= e.e2eMs));
    }
    case "error":
      return (turn.agentError !== undefined) === e.expected;
    case "tool_error":
      return toolCalls(turn).some((call) => call.isError === true) === e.expected;
    case "heard": {
      const text = heardText(turn);
      return text !== undefined && e.pattern.test(text);
    }
  }
}

function callMatches(call: ToolCallSeen, e: Extract<Expectation, { kind: "tool" }>): boolean {
  if (e.args && !containsSubset(parseJson(call.arguments), e.args)) return false;
  if (!e.output) return true;
  const outputs = [unquote(call.output ?? ""), call.error ?? ""];
  return outputs.some((text) => text !== "" && e.output?.test(text));
}

function headline(failed: Expectation[]): string {
  if (failed.every((e) => e.kind === "reply")) return "expectation failed: the agent's reply did not match";
  const first = failed[0] as Expectation;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : "";
  return `expectation failed: expected ${describe(first)}${more}`;
}

/** What was expected (the failed ones), then what happened: reply, tools, handoffs, latency, errors. */
function failureDetail(failed: Expectation[], turn: ObservedTurn | undefined): string[] {
  const lines = failed.map((e) =>
    e.kind === "reply"
      ? `- ${e.negated ? "must not match" : "expected to match"}: ${e.pattern.source}`
      : `- expected ${describe(e)}`,
  );
  return turn ? [...lines, ...whatHappened(turn)] : lines;
}

/** The turn as the failure shows it (the same for say, replay and test). */
export function whatHappened(turn: ObservedTurn): string[] {
  const indent = (text: string) => text.split("\n").map((l) => `    ${l}`);
  const heard = heardText(turn);
  const lines = [
    ...(heard !== undefined ? [`+ the agent heard: ${heard}`] : []),
    "+ the agent replied:",
    ...(turn.reply === "" ? ["    (the agent said nothing)"] : indent(turn.reply)),
  ];
  const calls = toolCalls(turn);
  if (calls.length) {
    lines.push("+ tools called:");
    for (const call of calls) {
      const args = call.arguments && call.arguments !== "{}" ? ` ${call.arguments}` : "";
      const output =
        call.output === undefined
          ? ""
          : call.isError
            ? ` ✗ ${summarizeToolOutput(call.output)}${call.error ? ` (${summarizeToolOutput(call.error)})` : ""}`
            : ` → ${summarizeToolOutput(call.output)}`;
      lines.push(`    ${call.name}${args}${output}`);
    }
  } else lines.push("+ no tool was called");
  const seen = handoffs(turn);
  if (seen.length) lines.push(`+ handoff: ${seen.map((h) => `${h.from ?? "?"} → ${h.to}`).join(", ")}`);
  if (turn.agentError !== undefined) lines.push(`+ agent error: ${turn.agentError}`);
  const e2e = e2eLatencyMs(turn);
  lines.push(
    `+ latency: turn ${formatMs(turn.wallMs)}, e2e ${e2e === undefined ? "not reported" : formatMs(e2e)}`,
  );
  return lines;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A mapping (not a list, not null): what arguments and scenario sections must be. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
