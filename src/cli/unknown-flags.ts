// citty ignores options it does not know; a typo (`--expects sunny`) would then pass silently.
// Every command refuses them instead.

import type { ArgsDef } from "citty";

/** Options in `args` (before any `--`) that `def` does not define. Negative numbers are not options. */
export function unknownFlags(args: string[], def: ArgsDef): string[] {
  const known = new Set(["help", "h"]);
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === "positional") continue;
    known.add(name);
    if (arg.type === "boolean") known.add(`no-${name}`);
    for (const alias of [(arg as { alias?: string | string[] }).alias ?? []].flat()) known.add(alias);
  }
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end))
    .filter((a) => /^--?[A-Za-z]/.test(a))
    .filter((a) => !known.has(a.replace(/^--?/, "").split("=")[0] as string));
}
