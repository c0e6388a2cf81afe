// Help pages: citty renders the arguments and commands; we lead with the full USAGE line, add
// examples, trim trailing spaces, and drop colors where they are not wanted.

import type { ArgsDef, CommandDef } from "citty";

export interface HelpPage {
  /** The full name: `lk agent session say`. */
  path: string;
  description: string;
  /** The same command or group under other names, in full: `lk agent session chat-history`. */
  aliases?: string[];
  args?: ArgsDef;
  commands?: { name: string; aliases: string[]; description: string }[];
  examples?: string[];
  /** What the flags do not say (a file format, exit codes): sections after the options, before the examples. */
  sections?: HelpSection[];
  /** Appended to the USAGE line (`[-- RUNTIME_ARGS]`). */
  usageTail?: string;
}

/** A titled part of a command's help (FILE FORMAT, EXIT CODES, NOTES): its lines as written, indented. */
export interface HelpSection {
  title: string;
  lines: string[];
}

/** Paragraphs as a NOTES section: each wrapped to the terminal's usual 100 columns, a blank line between. */
export function helpNotes(...paragraphs: string[]): HelpSection {
  return helpParagraphs("NOTES", ...paragraphs);
}

/**
 * Paragraphs under a title of their own (AUDIO MODE), wrapped as helpNotes wraps them: when the help
 * is shown (the sections are made as each command's module loads, for every run).
 */
export function helpParagraphs(title: string, ...paragraphs: string[]): HelpSection {
  let lines: string[] | undefined;
  return {
    title,
    get lines() {
      lines ??= paragraphs.flatMap((p, i) => [...(i ? [""] : []), ...wrap(p, 98)]);
      return lines;
    },
  };
}

export async function renderHelp(page: HelpPage, colored: boolean): Promise<string> {
  const words = page.path.split(" ");
  const name = words.pop() as string;
  const cmd: CommandDef = {
    meta: { name, description: page.description },
    args: shortAliasesOnly(page.args),
  };
  if (page.commands) {
    cmd.subCommands = Object.fromEntries(
      page.commands.map((c) => [c.name, { meta: { description: c.description, alias: c.aliases } }]),
    );
  }
  const parent: CommandDef | undefined = words.length ? { meta: { name: words.join(" ") } } : undefined;
  // citty's page: its description line, a blank, USAGE, a blank, then the sections.
  // Loaded only to show help: every command imports this module, and picocolors loads node:tty when
  // evaluated (without NO_COLOR, ~1.6 ms of each say's start).
  const [{ renderUsage }, { default: pc }] = await Promise.all([import("citty"), import("picocolors")]);
  const [, , citty = "", , ...sections] = (await renderUsage(cmd, parent)).split("\n");
  const c = pc.createColors(colored);
  // citty lists every command name in a group's USAGE line; one placeholder reads better.
  const usage = page.commands ? `${c.underline(c.bold("USAGE"))} ${c.cyan(`${page.path} <command>`)}` : citty;
  const also = page.aliases?.length ? [`Also: ${page.aliases.join(", ")}`, ""] : [];
  const lines = [`${usage.trimEnd()}${page.usageTail ?? ""}`, "", page.description, "", ...also, ...sections];
  for (const section of page.sections ?? []) {
    while (lines.at(-1)?.trim() === "") lines.pop();
    lines.push("", c.underline(c.bold(section.title)), "", ...section.lines.map((l) => (l ? `  ${l}` : "")));
  }
  if (page.examples?.length) {
    while (lines.at(-1)?.trim() === "") lines.pop();
    lines.push("", c.underline(c.bold("EXAMPLES")), "", ...page.examples.map((e) => `  ${e}`));
  }
  const text = lines.map(trimLine).join("\n");
  return `${(colored ? text : Bun.stripANSI(text)).trimEnd()}\n`;
}

/** citty shows every alias with one dash; a long one (`--lines`) is named in the description instead. */
function shortAliasesOnly(args: ArgsDef | undefined): ArgsDef | undefined {
  if (!args) return args;
  const entries = Object.entries(args).map(([key, def]) => {
    if (!("alias" in def) || def.alias === undefined) return [key, def];
    const aliases = [def.alias].flat();
    const long = aliases.filter((a) => a.length > 1);
    if (!long.length) return [key, def];
    const also = `; also ${long.map((a) => `--${a}`).join(", ")}`;
    return [
      key,
      {
        ...def,
        alias: aliases.filter((a) => a.length === 1),
        description: `${def.description ?? ""}${also}`,
      },
    ];
  });
  return Object.fromEntries(entries);
}

/** Words to lines of at most `width` (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Trailing spaces off, those just inside a closing color code too (citty's USAGE line has one). */
function trimLine(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching color codes is the point
  return line.replace(/\s+((?:\x1b\[[0-9;]*m)*)$/, "$1");
}
