// The scenario format (`*.lktest.yaml`), read with Bun.YAML and checked strictly: every unknown key
// and malformed value is an error naming `file:line` and what was expected, before any agent starts.
//
//   name: weather, then billing        agent: ../agent.py       args: ["-X", "dev"]
//   env: { MY_FLAG: "1" }              timeout: 60s (per turn, default 120s)
//   greeting: /hello/i                 (what the agent says on its own at start: as reply:, or a list)
//   turns:
//     - user: what's the weather in Paris?
//       expect:
//         - tool: lookup_weather       (args: {subset}, output: text or /re/flags)
//         - reply: /sunny/i            (a string is a substring; { not: … } negates)
//         - no_tool: transfer_to_billing
//         - handoff: billing_agent     (from: … too)
//         - latency: { e2e: 2s, turn: 3s }
//         - error: false               (the default: the turn ends without an agent error)
//         - heard: /paris/i            (audio: true only: what the agent heard; a string is a substring in any case)
//   audio: true   voice: en-us   speed: 2   (each turn spoken into the agent's microphone, `start --audio`)

import { basename } from "node:path";
import { UserError } from "../errors.ts";
import { badSpeed } from "../protocol/audio.ts";
import { isPlainSeconds, parseTimerMs } from "../protocol/duration.ts";
import { turnTextTooLong } from "../protocol/limits.ts";
import { type Expectation, isObject, parsePattern, type TextPattern } from "./expect.ts";
import type { GreetingCheck, ReplyExpectation } from "./greeting.ts";
import { syntaxErrorLine, YamlLines, type YamlPath } from "./yaml-lines.ts";

export interface ScenarioTurn {
  text: string;
  line: number;
  expectations: Expectation[];
}

export interface Scenario {
  /** The file as the user named it (or as found), for messages. */
  file: string;
  name: string;
  /** The entrypoint as written, relative to the file's folder; undefined: the project found from there. */
  agent?: string;
  /** The line of `agent:`, for an entrypoint that is not there. */
  agentLine: number;
  args: string[];
  env: Record<string, string>;
  /** Per turn. */
  timeoutMs: number;
  /** `audio: true` (and `voice:`, `speed:`): the session is started with --audio, each turn spoken. */
  audio?: { voice?: string; speed?: number };
  /** What the agent must say on its own at start, before the first turn. */
  greeting?: GreetingCheck;
  turns: ScenarioTurn[];
}

export const DEFAULT_TURN_TIMEOUT_MS = 120_000;

const TOP_KEYS = ["name", "agent", "args", "env", "timeout", "greeting", "audio", "voice", "speed", "turns"];
const TURN_KEYS = ["user", "expect"];
/** Each expectation item has one of these, plus the keys that refine it. */
const EXPECT_KINDS: Record<string, string[]> = {
  tool: ["args", "output"],
  no_tool: [],
  reply: [],
  handoff: ["from"],
  latency: [],
  error: [],
  tool_error: [],
  heard: [],
};

interface Problem {
  path: YamlPath;
  message: string;
  /** Where, when known without looking the path up (a key's second appearance). */
  line?: number;
}

/** The scenario in `content`; a UserError listing every problem (`file:line: …`) when it is not one. */
export function parseScenario(content: string, file: string): Scenario {
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(content);
  } catch (error) {
    const line = syntaxErrorLine(content, (text) => Bun.YAML.parse(text));
    const reason = (error as Error).message.replace(/^YAML Parse error:\s*/, "");
    throw new UserError(`${file}:${line}: not valid YAML: ${reason}`, 1, SYNTAX_HINTS);
  }
  const lines = new YamlLines(content);
  const problems: Problem[] = lines.duplicates.map((d) => ({
    path: d.path,
    line: d.line,
    message: `${pathName(d.path)}: given twice (expected each key once)`,
  }));
  const scenario = readScenario(doc, file, problems);
  if (problems.length) {
    const [first, ...rest] = problems
      .map((p) => ({ line: p.line ?? lines.lineOf(p.path), message: p.message }))
      .sort((a, b) => a.line - b.line)
      .map((p) => `${file}:${p.line}: ${p.message}`);
    throw new UserError(first as string, 1, rest);
  }
  return {
    ...scenario,
    agentLine: lines.lineOf(["agent"]),
    ...(scenario.greeting ? { greeting: { ...scenario.greeting, line: lines.lineOf(["greeting"]) } } : {}),
    turns: scenario.turns.map((t, i) => ({ ...t, line: lines.lineOf(["turns", i]) })),
  };
}

const SYNTAX_HINTS = ["a scenario is a YAML mapping; see `lk agent session test --help` for the format"];

function readScenario(doc: unknown, file: string, problems: Problem[]): Omit<Scenario, "agentLine"> {
  const fail = (path: YamlPath, message: string) => {
    problems.push({ path, message });
  };
  const empty = {
    file,
    name: scenarioName(file),
    args: [],
    env: {},
    timeoutMs: DEFAULT_TURN_TIMEOUT_MS,
    turns: [],
  };
  if (doc === null || doc === undefined) {
    fail([], "the file is empty (expected a scenario: a mapping with `turns:`)");
    return empty;
  }
  if (!isObject(doc)) {
    fail([], `expected a scenario (a mapping with \`turns:\`), got ${typeName(doc)}`);
    return empty;
  }
  unknownKeys(doc, [], TOP_KEYS, "the scenario", fail);
  const name = optionalString(doc, "name", [], fail) ?? scenarioName(file);
  const agent = optionalString(doc, "agent", [], fail);
  const args = stringList(doc.args, ["args"], fail);
  const env = envMap(doc.env, ["env"], fail);
  const timeoutMs =
    doc.timeout === undefined ? DEFAULT_TURN_TIMEOUT_MS : (duration(doc.timeout, ["timeout"], fail) ?? 0);
  const audio = audioSection(doc, fail);
  const greeting = doc.greeting === undefined ? undefined : readGreeting(doc.greeting, fail);
  const turns: ScenarioTurn[] = [];
  if (doc.turns === undefined || doc.turns === null)
    fail(["turns"], "turns: missing (expected a list of turns)");
  else if (!Array.isArray(doc.turns))
    fail(["turns"], `turns: expected a list of turns, got ${typeName(doc.turns)}`);
  else if (doc.turns.length === 0) fail(["turns"], "turns: expected at least one turn");
  else
    doc.turns.forEach((t, i) => {
      const turn = readTurn(t, ["turns", i], fail, audio !== undefined);
      if (turn) turns.push(turn);
    });
  return {
    file,
    name,
    ...(agent !== undefined ? { agent } : {}),
    args,
    env,
    timeoutMs,
    ...(audio ? { audio } : {}),
    ...(greeting ? { greeting } : {}),
    turns,
  };
}

/** `audio: true`, with its optional `voice:` and `speed:` (which need it). */
function audioSection(doc: Record<string, unknown>, fail: Fail): Scenario["audio"] {
  if (doc.audio !== undefined && typeof doc.audio !== "boolean")
    fail(["audio"], `audio: expected true or false, got ${typeName(doc.audio)}`);
  const on = doc.audio === true;
  for (const key of ["voice", "speed"]) {
    if (doc[key] !== undefined && !on) fail([key], `${key}: needs \`audio: true\``);
  }
  const voice = optionalString(doc, "voice", [], fail);
  let speed: number | undefined;
  if (doc.speed !== undefined) {
    const bad = badSpeed(doc.speed);
    if (bad) fail(["speed"], `speed: ${bad}, got ${typeName(doc.speed)}`);
    else speed = doc.speed as number;
  }
  if (!on) return undefined;
  return { ...(voice !== undefined ? { voice } : {}), ...(speed !== undefined ? { speed } : {}) };
}

/** `greeting:` takes what a turn's `reply:` takes (a pattern, or { not: pattern }), or a list of them. */
function readGreeting(value: unknown, fail: Fail): GreetingCheck | undefined {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    fail(
      ["greeting"],
      "greeting: expected a pattern, { not: pattern }, or a list of them (got an empty list)",
    );
    return undefined;
  }
  const expectations: ReplyExpectation[] = [];
  items.forEach((item, i) => {
    const e = replyExpectation(item, Array.isArray(value) ? ["greeting", i] : ["greeting"], fail);
    if (e) expectations.push(e);
  });
  return expectations.length === items.length ? { line: 0, expectations } : undefined;
}

/** A reply pattern (text is a substring, /re/flags a regex), or { not: pattern } for its negation. */
function replyExpectation(raw: unknown, at: YamlPath, fail: Fail): ReplyExpectation | undefined {
  if (isObject(raw)) {
    unknownKeys(raw, at, ["not"], "a reply expectation", fail);
    if (raw.not === undefined) {
      fail(at, `${pathName(at)}: expected a pattern, or { not: pattern }`);
      return undefined;
    }
    const p = pattern(raw.not, [...at, "not"], fail);
    return p ? { kind: "reply", pattern: p, negated: true } : undefined;
  }
  const p = pattern(raw, at, fail);
  return p ? { kind: "reply", pattern: p, negated: false } : undefined;
}

type Fail = (path: YamlPath, message: string) => void;

function readTurn(value: unknown, path: YamlPath, fail: Fail, spoken: boolean): ScenarioTurn | undefined {
  if (!isObject(value)) {
    fail(path, `${pathName(path)}: expected a turn (a mapping with \`user:\`), got ${typeName(value)}`);
    return undefined;
  }
  unknownKeys(value, path, TURN_KEYS, "a turn", fail);
  const text = value.user;
  if (typeof text !== "string" || text.trim() === "") {
    fail(
      [...path, "user"],
      `${pathName([...path, "user"])}: expected what the user says (text), got ${typeName(text)}`,
    );
  } else {
    const tooLong = turnTextTooLong(text);
    if (tooLong)
      fail([...path, "user"], `${pathName([...path, "user"])}: ${tooLong} (split it into several turns)`);
  }
  const expectations: Expectation[] = [];
  const list = value.expect;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) {
      fail(
        [...path, "expect"],
        `${pathName([...path, "expect"])}: expected a list of expectations (\`- reply: …\`), got ${typeName(list)}`,
      );
    } else {
      list.forEach((item, i) => {
        const e = readExpectation(item, [...path, "expect", i], fail, spoken);
        if (e) expectations.push(e);
      });
    }
  }
  return typeof text === "string" ? { text, line: 0, expectations } : undefined;
}

function readExpectation(
  value: unknown,
  path: YamlPath,
  fail: Fail,
  spoken: boolean,
): Expectation | undefined {
  const kinds = Object.keys(EXPECT_KINDS);
  if (!isObject(value)) {
    fail(
      path,
      `${pathName(path)}: expected an expectation (one of ${kinds.join(", ")}), got ${typeName(value)}`,
    );
    return undefined;
  }
  const present = kinds.filter((k) => Object.hasOwn(value, k));
  if (present.length !== 1) {
    fail(
      path,
      present.length === 0
        ? `${pathName(path)}: expected one of ${kinds.join(", ")} (got ${Object.keys(value).join(", ") || "nothing"})`
        : `${pathName(path)}: one expectation per item (got ${present.join(" and ")}; start another with \`-\`)`,
    );
    return undefined;
  }
  const kind = present[0] as string;
  unknownKeys(value, path, [kind, ...(EXPECT_KINDS[kind] as string[])], `a ${kind} expectation`, fail);
  const at = [...path, kind];
  const raw = value[kind];
  switch (kind) {
    case "tool": {
      const name = nonEmptyString(raw, at, "a tool name", fail);
      let args: Record<string, unknown> | undefined;
      if (value.args !== undefined) {
        if (isObject(value.args)) args = value.args;
        else
          fail(
            [...path, "args"],
            `${pathName([...path, "args"])}: expected the arguments to look for (a mapping, e.g. { location: Paris }), got ${typeName(value.args)}`,
          );
      }
      const output =
        value.output === undefined ? undefined : pattern(value.output, [...path, "output"], fail);
      return name === undefined
        ? undefined
        : { kind: "tool", name, ...(args ? { args } : {}), ...(output ? { output } : {}) };
    }
    case "no_tool": {
      const name = nonEmptyString(raw, at, "a tool name", fail);
      return name === undefined ? undefined : { kind: "no_tool", name };
    }
    case "handoff": {
      const to = nonEmptyString(raw, at, "the agent handed off to", fail);
      const from =
        value.from === undefined
          ? undefined
          : nonEmptyString(value.from, [...path, "from"], "the agent handing off", fail);
      return to === undefined ? undefined : { kind: "handoff", to, ...(from !== undefined ? { from } : {}) };
    }
    case "reply":
      return replyExpectation(raw, at, fail);
    case "latency": {
      if (!isObject(raw)) {
        fail(at, `${pathName(at)}: expected upper bounds, e.g. { e2e: 2s, turn: 3s }, got ${typeName(raw)}`);
        return undefined;
      }
      unknownKeys(raw, at, ["e2e", "turn"], "a latency expectation", fail);
      if (raw.e2e === undefined && raw.turn === undefined) {
        fail(at, `${pathName(at)}: expected e2e, turn or both, e.g. { turn: 3s }`);
        return undefined;
      }
      const e2eMs = raw.e2e === undefined ? undefined : duration(raw.e2e, [...at, "e2e"], fail);
      const turnMs = raw.turn === undefined ? undefined : duration(raw.turn, [...at, "turn"], fail);
      return {
        kind: "latency",
        ...(e2eMs !== undefined ? { e2eMs } : {}),
        ...(turnMs !== undefined ? { turnMs } : {}),
      };
    }
    case "error":
      if (typeof raw !== "boolean") {
        fail(at, `${pathName(at)}: expected true or false, got ${typeName(raw)}`);
        return undefined;
      }
      return { kind: "error", expected: raw };
    case "tool_error":
      if (typeof raw !== "boolean") {
        fail(at, `${pathName(at)}: expected true or false, got ${typeName(raw)}`);
        return undefined;
      }
      return { kind: "tool_error", expected: raw };
    case "heard": {
      if (!spoken) {
        fail(at, `${pathName(at)}: needs \`audio: true\` at the top (only a spoken turn is heard)`);
        return undefined;
      }
      const p = pattern(raw, at, fail, "isubstring");
      return p ? { kind: "heard", pattern: p } : undefined;
    }
  }
  return undefined;
}

function pattern(
  value: unknown,
  path: YamlPath,
  fail: Fail,
  bare: "substring" | "isubstring" = "substring",
): TextPattern | undefined {
  const text = nonEmptyString(value, path, "a pattern (text to find, or /regex/flags)", fail);
  if (text === undefined) return undefined;
  try {
    return parsePattern(text, bare);
  } catch (error) {
    const reason = (error as Error).message.replace(/^invalid expectation "(?:[^"\\]|\\.)*": /, "");
    fail(path, `${pathName(path)}: ${text} is not a valid regular expression: ${reason}`);
    return undefined;
  }
}

/**
 * A duration as `--timeout` reads it (`2s`, `500ms`, `1m30s`; at least 1 ms), but always with a
 * unit: in a file, `e2e: 500` would as likely mean milliseconds as the command line's seconds.
 */
function duration(value: unknown, path: YamlPath, fail: Fail): number | undefined {
  const unitless = typeof value === "number" || (typeof value === "string" && isPlainSeconds(value));
  const ms = typeof value === "string" && !unitless ? parseTimerMs(value) : undefined;
  if (ms === undefined) {
    const hint = unitless ? " (a number needs a unit)" : "";
    fail(path, `${pathName(path)}: expected a duration like 2s, 500ms or 1m, got ${typeName(value)}${hint}`);
    return undefined;
  }
  return ms;
}

function optionalString(
  doc: Record<string, unknown>,
  key: string,
  at: YamlPath,
  fail: Fail,
): string | undefined {
  const value = doc[key];
  if (value === undefined) return undefined;
  return nonEmptyString(value, [...at, key], "text", fail);
}

function nonEmptyString(value: unknown, path: YamlPath, what: string, fail: Fail): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  fail(path, `${pathName(path)}: expected ${what}, got ${typeName(value)}`);
  return undefined;
}

function stringList(value: unknown, path: YamlPath, fail: Fail): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    fail(path, `${pathName(path)}: expected a list of strings, e.g. ["-X", "dev"], got ${typeName(value)}`);
    return [];
  }
  return value;
}

function envMap(value: unknown, path: YamlPath, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    fail(
      path,
      `${pathName(path)}: expected a mapping of variables, e.g. { MY_FLAG: "1" }, got ${typeName(value)}`,
    );
    return {};
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "" || key.includes("="))
      fail([...path, key], `env: ${JSON.stringify(key)} is not a variable name`);
    else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") env[key] = String(v);
    else
      fail(
        [...path, key],
        `${pathName([...path, key])}: expected a value (text or a number), got ${typeName(v)}`,
      );
  }
  return env;
}

function unknownKeys(
  value: Record<string, unknown>,
  path: YamlPath,
  allowed: string[],
  what: string,
  fail: Fail,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      fail([...path, key], `unknown key ${JSON.stringify(key)} in ${what} (expected ${allowed.join(", ")})`);
  }
}

/** `turns[1].expect[0].tool`: where in the scenario, as a person reads it. */
export function pathName(path: YamlPath): string {
  return (
    path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "the scenario"
  );
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return value === "" ? "empty text" : `text (${JSON.stringify(value)})`;
  return `${typeof value === "number" ? "a number" : "a boolean"} (${String(value)})`;
}

/** The file's name without its folder and its `.lktest.yaml` (or other) ending. */
export function scenarioName(file: string): string {
  return basename(file).replace(/(\.lktest)?\.(ya?ml|txt)$/i, "");
}
