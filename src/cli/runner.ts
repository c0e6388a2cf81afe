// The one command runner: finds the command in the tree (loading only that one), shows help, parses
// its arguments strictly, runs it, and reports every outcome, argument errors included, as a
// result: text on stderr, or exactly one JSON line with --json.

import { UserError } from "../errors.ts";
import { mark } from "../profile.ts";
import { EXIT } from "../protocol/exit-codes.ts";
import { Reporter, type Streams } from "../render/reporter.ts";
import { colorsFor } from "../render/text.ts";
import type { Command, CommandEnv, Outcome } from "./command.ts";
import type { HelpPage } from "./help.ts";
import { looksLikeOption } from "./parse-args.ts";

export type CommandLoader<IO> = () => Promise<Command<unknown, IO>>;

export interface CommandGroup<IO> {
  name: string;
  description: string;
  children: Record<string, CommandGroup<IO> | CommandLoader<IO>>;
  /** Other names for children: `stop` for `end`. */
  aliases?: Record<string, string>;
  /** Children or aliases left out of help and of the command list (the internal daemon). */
  hidden?: string[];
}

export interface App<IO> {
  root: CommandGroup<IO>;
  version: string;
  env: CommandEnv;
  streams: Streams;
  /** The command's IO, built once it is known to run (a `--help` never builds it). */
  io(reporter: Reporter): Promise<IO>;
  /** Called just before a command runs (the process wrapper installs its SIGINT handler here). */
  onRun?(reporter: Reporter, command: Command<unknown, IO>): void;
}

/** Runs one command line; returns the exit code. */
export async function execute<IO>(argv: string[], app: App<IO>): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    app.streams.out.write(`${app.version}\n`);
    return EXIT.ok;
  }
  const found = await findCommand(argv, app.root);
  switch (found.kind) {
    case "help":
      return showHelp(found.page, app.streams);
    case "error":
      return new Reporter(found.command, wantsJson(argv), app.streams).fail(found.error);
    case "command":
      return runCommand(found, app);
  }
}

type Found<IO> =
  | { kind: "command"; command: Command<unknown, IO>; args: string[]; aliases: string[] }
  | { kind: "help"; page: HelpPage }
  | { kind: "error"; command: string; error: UserError };

/**
 * Walks the groups by name (loading only the command named); options belong after the command.
 * An alias runs its command under the canonical path: help, messages and hints all name that one.
 */
async function findCommand<IO>(argv: string[], root: CommandGroup<IO>): Promise<Found<IO>> {
  let group = root;
  let path = root.name;
  let groupAliases: string[] = [];
  for (let at = 0; ; at++) {
    const rest = ownArgs(argv.slice(at));
    const nameAt = rest.findIndex((a) => !looksLikeOption(a));
    const before = nameAt === -1 ? rest : rest.slice(0, nameAt);
    if (before.some(isHelpFlag)) return { kind: "help", page: await groupPage(group, path, groupAliases) };
    const error = (command: string, message: string, hint = commandList(group)) => ({
      kind: "error" as const,
      command,
      error: new UserError(message, 1, [hint, `see: ${path} --help`]),
    });
    if (nameAt === -1) return error(group.name, `\`${path}\` needs a command`);
    if (nameAt > 0)
      return error(group.name, `unknown option ${before[0]} for \`${path}\``, "options go after the command");
    const typed = rest[0] as string;
    const name =
      group.aliases && Object.hasOwn(group.aliases, typed) ? (group.aliases[typed] as string) : typed;
    const child = Object.hasOwn(group.children, name) ? group.children[name] : undefined;
    if (!child) return error(typed, `unknown command ${JSON.stringify(typed)} for \`${path}\``);
    const aliases = visibleAliases(group, name).map((alias) => `${path} ${alias}`);
    path = `${path} ${name}`;
    if (typeof child === "function")
      return { kind: "command", command: await child(), args: argv.slice(at + 1), aliases };
    group = child;
    groupAliases = aliases;
  }
}

async function runCommand<IO>(
  { command, args, aliases }: { command: Command<unknown, IO>; args: string[]; aliases: string[] },
  app: App<IO>,
): Promise<number> {
  mark("command");
  const own = ownArgs(args);
  if (own.some(isHelpFlag)) return showHelp(commandPage(command, aliases), app.streams);
  const json = "json" in command.args && wantsJson(args);
  const reporter = new Reporter(command.name, json, app.streams, command.resultDefaults);
  let options: unknown;
  try {
    options = command.parse(args, app.env);
  } catch (error) {
    return reporter.fail(withHelpHint(error, command.path));
  }
  mark("parsed");
  app.onRun?.(reporter, command);
  try {
    const io = await app.io(reporter);
    mark("io");
    const outcome = await command.run(options, io);
    mark("ran");
    return finish(reporter, outcome);
  } catch (error) {
    return reporter.fail(error);
  }
}

/** The outcome as the result line (or the error on stderr); returns the exit code. */
export function finish(reporter: Reporter, outcome: Outcome): number {
  if (outcome.error) {
    const { exitCode, message, detail } = outcome.error;
    return reporter.finish(exitCode, outcome.fields, { message, detail });
  }
  return reporter.finish(outcome.exitCode ?? EXIT.ok, outcome.fields);
}

/**
 * Reports a Ctrl-C as the command's result; returns the exit code (the earlier one if it had ended).
 * `exitCode` 0: Ctrl-C is how the command ends (a feed), a success.
 */
export function interrupted(reporter: Reporter, exitCode: number = EXIT.interrupted): number {
  if (exitCode === EXIT.ok) return reporter.finish(EXIT.ok, { interrupted: true });
  return reporter.finish(exitCode, {}, { message: "interrupted", detail: [] });
}

/** The arguments before `--`: after it everything is text (or the agent's runtime args). */
function ownArgs(argv: string[]): string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}

/** --json before any `--`: decided before parsing, so that a parse error is reported as JSON too. */
function wantsJson(argv: string[]): boolean {
  return ownArgs(argv).some((a) => a === "--json" || a === "--json=true");
}

function isHelpFlag(arg: string): boolean {
  return arg === "--help" || arg === "-h";
}

function withHelpHint(error: unknown, path: string): unknown {
  if (!(error instanceof UserError)) return error;
  return new UserError(error.message, error.exitCode, [...error.detail, `see: ${path} --help`]);
}

/** The other names of a child that help may show (a hidden alias works, unlisted). */
function visibleAliases(group: CommandGroup<unknown>, name: string): string[] {
  return Object.entries(group.aliases ?? {})
    .filter(([alias, to]) => to === name && !group.hidden?.includes(alias))
    .map(([alias]) => alias);
}

function commandList(group: CommandGroup<unknown>): string {
  const names = Object.keys(group.children).filter((name) => !group.hidden?.includes(name));
  const label = (name: string) => {
    const also = visibleAliases(group, name);
    return also.length ? `${name} (${also.join(", ")})` : name;
  };
  return `commands: ${names.map(label).join(", ")}`;
}

async function groupPage<IO>(group: CommandGroup<IO>, path: string, aliases: string[]): Promise<HelpPage> {
  const commands: HelpPage["commands"] = [];
  for (const [name, child] of Object.entries(group.children)) {
    if (group.hidden?.includes(name)) continue;
    const loaded = typeof child === "function" ? await child() : undefined;
    commands.push({
      name,
      aliases: visibleAliases(group, name),
      description: loaded?.description ?? (child as CommandGroup<IO>).description,
    });
  }
  return { path, description: group.description, commands, aliases };
}

function commandPage(command: Command<unknown, unknown>, aliases: string[]): HelpPage {
  return {
    path: command.path,
    aliases,
    description: command.description,
    args: command.args,
    examples: command.examples,
    sections: command.helpSections,
    usageTail: command.afterDashDash === "runtime-args" ? " [-- RUNTIME_ARGS]" : undefined,
  };
}

async function showHelp(page: HelpPage, streams: Streams): Promise<number> {
  const { renderHelp } = await import("./help.ts");
  streams.out.write(await renderHelp(page, colorsFor(streams.out).isColorSupported));
  return EXIT.ok;
}
