// `--env-file FILE`: dotenv lines (`K=V`, `export K=V`, `#` comments, blank lines, 'single' or
// "double" quoted values), read as the agent's environment overrides. No `${VAR}` expansion: a value
// is what the file says.

import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { ENV_NAME } from "../protocol/env.ts";

const LINE = /^\s*(?:export\s+)?([^\s=]+)\s*=\s*(.*)$/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
  $: "$",
};

/** The file's variables, later lines winning; a line that is none is a UserError naming `file:line`. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const where = `${file}:${i + 1}`;
    const match = LINE.exec(raw);
    if (!match) throw badLine(where, `expected NAME=VALUE (got ${JSON.stringify(raw.trim())})`);
    const [, name = "", rest = ""] = match;
    if (!ENV_NAME.test(name))
      throw badLine(
        where,
        `${JSON.stringify(name)} is not a variable name (letters, digits and _, not first a digit)`,
      );
    vars[name] = value(rest, where);
  }
  return vars;
}

/** Reads and parses one file; `shown` is how the user named it (for messages). */
export function readEnvFile(path: string, shown: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (error as Error).message;
    throw new UserError(`could not read --env-file ${shown}: ${why}`, 1, [`(looked at ${path})`]);
  }
  return parseEnvFile(text, shown);
}

/** What follows `=`: a quoted value (then only a comment may follow), or bare text up to a ` #` comment. */
function value(rest: string, where: string): string {
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    let out = "";
    for (let i = 1; i < rest.length; i++) {
      const ch = rest[i] as string;
      if (ch === quote) {
        const after = rest.slice(i + 1).trim();
        if (after !== "" && !after.startsWith("#"))
          throw badLine(where, `unexpected text after the closing ${quote}: ${JSON.stringify(after)}`);
        return out;
      }
      if (quote === '"' && ch === "\\" && i + 1 < rest.length) {
        const next = rest[i + 1] as string;
        out += DOUBLE_QUOTED_ESCAPES[next] ?? `\\${next}`;
        i++;
        continue;
      }
      out += ch;
    }
    throw badLine(where, `the value's ${quote} is not closed on this line`);
  }
  // A comment starts at a # after a space: `a#b` stays as it is.
  return rest.replace(/(^|\s+)#.*$/, "").trim();
}

function badLine(where: string, why: string): UserError {
  return new UserError(`${where}: ${why}`, 1, [
    "each line is NAME=VALUE, export NAME=VALUE, a # comment or blank",
  ]);
}
