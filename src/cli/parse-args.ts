// Strict parsing of one command's arguments, from its declaration. Every argument mistake is
// decided here: an unknown option, a missing value, an option taken as another's value
// (`--expect --json`), a repeat, extra or missing positionals, and what `--` means.

import type { ArgDef } from "citty";
import { UserError } from "../errors.ts";

/** citty's declaration of one argument, plus what citty cannot say. */
export type Flag = ArgDef & {
  /** May be given more than once; the value is then the list (`--expect a --expect b`). */
  repeatable?: boolean;
  /** A positional that takes every remaining word (`say what is the weather`). */
  rest?: boolean;
};
export type FlagsDef = Record<string, Flag>;

type ValueOf<F extends Flag> = F extends { type: "boolean" }
  ? boolean
  : F extends { repeatable: true }
    ? string[]
    : F extends { rest: true }
      ? string[]
      : string | undefined;

/** Each declared argument's value, and under "--" the runtime args (only for `afterDashDash: "runtime-args"`). */
export type ParsedArgs<A extends FlagsDef> = { -readonly [K in keyof A]: ValueOf<A[K]> } & { "--": string[] };

export interface ParseOptions {
  /** For messages: `lk agent session say`. */
  path: string;
  afterDashDash: "runtime-args" | "text";
}

interface Option {
  key: string;
  flag: Flag;
  /** `--no-json` sets a boolean to false. */
  negated: boolean;
}

/** `-x` or `--word`; not `-`, `-5` or `-.5`, which are values. */
export function looksLikeOption(token: string): boolean {
  return /^--?[A-Za-z]/.test(token);
}

export function parseArgs<A extends FlagsDef>(argv: string[], args: A, opts: ParseOptions): ParsedArgs<A> {
  const options = optionTable(args);
  const values: Record<string, unknown> = {};
  const given = new Map<string, string>();
  const positionals: string[] = [];
  let runtimeArgs: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      const rest = argv.slice(i + 1);
      if (opts.afterDashDash === "runtime-args") runtimeArgs = rest;
      else positionals.push(...rest);
      break;
    }
    if (!looksLikeOption(token)) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const name = eq === -1 ? token : token.slice(0, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const option = options.get(name);
    if (!option) throw unknownOption(name, options, opts.path);
    const earlier = given.get(option.key);
    if (earlier !== undefined && !option.flag.repeatable) {
      throw new UserError(
        earlier === name ? `${name} was given twice` : `${earlier} and ${name} are the same option`,
        1,
        [`give ${name} once`],
      );
    }
    given.set(option.key, name);

    if (option.flag.type === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false")
        throw new UserError(`${name} takes no value (got ${token})`);
      values[option.key] = (inline !== "false") !== option.negated;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      const hint = option.flag.valueHint ?? "VALUE";
      if (next === undefined || next === "--") throw new UserError(`${name} needs a value (${name} ${hint})`);
      if (looksLikeOption(next) && options.has(next.split("=")[0] as string)) {
        throw new UserError(`${name} needs a value, but the next argument is the option ${next}`, 1, [
          `if ${JSON.stringify(next)} is the value, write ${name}=${next}`,
        ]);
      }
      value = next;
      i++;
    }
    values[option.key] = option.flag.repeatable
      ? [...((values[option.key] as string[]) ?? []), value]
      : value;
  }

  assignPositionals(args, positionals, values, opts.path);
  for (const [key, flag] of Object.entries(args)) {
    if (values[key] !== undefined) continue;
    if (flag.type === "boolean") values[key] = false;
    else if (flag.repeatable || flag.rest) values[key] = [];
  }
  values["--"] = runtimeArgs;
  return values as ParsedArgs<A>;
}

/** Every spelling of every option: `--name`, `--no-name` (booleans), aliases (`-n`, `--alias`), and help. */
function optionTable(args: FlagsDef): Map<string, Option> {
  const table = new Map<string, Option>();
  const help: Flag = { type: "boolean" };
  table.set("--help", { key: "help", flag: help, negated: false });
  table.set("-h", { key: "help", flag: help, negated: false });
  for (const [key, flag] of Object.entries(args)) {
    if (flag.type === "positional") continue;
    table.set(`--${key}`, { key, flag, negated: false });
    if (flag.type === "boolean") table.set(`--no-${key}`, { key, flag, negated: true });
    const aliases = "alias" in flag ? [flag.alias ?? []].flat() : [];
    for (const alias of aliases)
      table.set(alias.length === 1 ? `-${alias}` : `--${alias}`, { key, flag, negated: false });
  }
  return table;
}

function assignPositionals(
  args: FlagsDef,
  positionals: string[],
  values: Record<string, unknown>,
  path: string,
): void {
  const declared = Object.entries(args).filter(([, flag]) => flag.type === "positional");
  for (const [key, flag] of declared) {
    if (flag.rest) {
      values[key] = positionals.splice(0);
      continue;
    }
    const value = positionals.shift();
    if (value !== undefined) values[key] = value;
    else if (flag.required !== false && flag.default === undefined) {
      const name = key.toUpperCase();
      throw new UserError(
        `missing ${name} for \`${path}\``,
        1,
        flag.description ? [`${name}: ${flag.description}`] : [],
      );
    }
  }
  if (positionals.length > 0) {
    throw new UserError(
      `unexpected argument${positionals.length > 1 ? "s" : ""} for \`${path}\`: ${positionals.map((p) => JSON.stringify(p)).join(" ")}`,
    );
  }
}

function unknownOption(name: string, options: Map<string, Option>, path: string): UserError {
  const close = [...options.keys()].filter(
    (known) => known.startsWith("--") && editDistance(known, name) <= 2,
  );
  return new UserError(
    `unknown option ${name} for \`${path}\``,
    1,
    close.length ? [`did you mean ${close.join(" or ")}?`] : [],
  );
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + cost);
    }
    row = next;
  }
  return row[b.length] as number;
}
