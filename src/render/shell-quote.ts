// Words a person can paste into a POSIX shell.

/** One word: as is when it is plain, else in single quotes (a ' inside as '\''). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
