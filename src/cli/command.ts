// What a command is: its declaration (citty's ArgsDef, for help), a pure parse, and a run with
// injected IO. The runner (runner.ts) is the only caller of both.

import type { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import type { HelpSection } from "./help.ts";
import { type FlagsDef, type ParsedArgs, parseArgs } from "./parse-args.ts";

export type { Flag, FlagsDef } from "./parse-args.ts";

/** What `parse` may look at besides the arguments. */
export interface CommandEnv {
  vars: Record<string, string | undefined>;
  cwd: string;
  stdinIsTerminal: boolean;
}

/** What a run ends with; the runner turns it into the result (and the exit code). */
export interface Outcome {
  exitCode?: number;
  fields?: Record<string, unknown>;
  error?: UserError;
}

export interface Command<O, IO> {
  /** The full name, as typed: `lk agent session say`. */
  path: string;
  name: string;
  description: string;
  args: FlagsDef;
  examples: string[];
  /** Help beyond the flags: a file format, exit codes. */
  helpSections?: HelpSection[];
  /** What follows `--`: runtime args for the agent (`start`), or more text (every other command). */
  afterDashDash: "runtime-args" | "text";
  /** The command installs its own signal handlers (the daemon); the runner leaves SIGINT alone. */
  ownsSignals?: boolean;
  /** The exit code of a Ctrl-C: 130 (interrupted) unless Ctrl-C is how the command normally ends. */
  interruptExitCode: number;
  /** Raw arguments (after the command's name) and the environment to options; throws a UserError. */
  parse(argv: string[], env: CommandEnv): O;
  run(options: O, io: IO): Promise<Outcome>;
  resultDefaults?: ResultDefaults;
}

/**
 * Fields every result of a command has, from the events it streamed: a failure (an argument error
 * too) reports them as well, empty where nothing came. The outcome's own fields come on top.
 */
export type ResultDefaults = (events: DeliveredEvent[]) => Record<string, unknown>;

export interface CommandSpec<A extends FlagsDef, O, IO> {
  path: string;
  description: string;
  args: A;
  examples: string[];
  /** Help beyond the flags (a file format, exit codes), shown after the options. */
  helpSections?: HelpSection[];
  afterDashDash?: "runtime-args" | "text";
  ownsSignals?: boolean;
  /** 0 for a command that runs until stopped (`events`): Ctrl-C is its ordinary end. Default 130. */
  interruptExitCode?: number;
  /** Parsed arguments to options: pure, so a test can call it. */
  options(args: ParsedArgs<A>, env: CommandEnv): O;
  run(options: O, io: IO): Promise<Outcome>;
  resultDefaults?: ResultDefaults;
}

export function defineCommand<const A extends FlagsDef, O, IO>(spec: CommandSpec<A, O, IO>): Command<O, IO> {
  const afterDashDash = spec.afterDashDash ?? "text";
  return {
    path: spec.path,
    name: spec.path.split(" ").at(-1) ?? spec.path,
    description: spec.description,
    args: spec.args,
    examples: spec.examples,
    helpSections: spec.helpSections,
    afterDashDash,
    ownsSignals: spec.ownsSignals,
    interruptExitCode: spec.interruptExitCode ?? EXIT.interrupted,
    parse: (argv, env) => spec.options(parseArgs(argv, spec.args, { path: spec.path, afterDashDash }), env),
    run: (options, io) => spec.run(options, io),
    resultDefaults: spec.resultDefaults,
  };
}
