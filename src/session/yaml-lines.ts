// Bun.YAML gives values but no positions. This light scan of the source finds the line of every
// key and sequence item in block style (the keys inside a one-line `{…}` or `[…]` get that line),
// notes duplicate keys (which the parser lets through, last one wins), and finds the line of a
// syntax error by parsing ever shorter prefixes.

export type YamlPath = (string | number)[];

interface Frame {
  col: number;
  path: YamlPath;
  kind: "map" | "seq";
  next: number;
}

/** A node whose nested content may follow: a key with nothing after its colon, or a `-` item. */
interface Open {
  path: YamlPath;
  col: number;
  /** What may sit at `col` itself: a key's sequence, or anything on an item's own line after its `- `. */
  sameCol: Frame["kind"][];
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s"'#{}[\],|>&*!%@`][^#]*?))\s*:(?=\s|$)/;
const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(#.*)?$/;

export class YamlLines {
  private readonly lines = new Map<string, number>();
  /** Keys given twice in the same mapping. */
  readonly duplicates: { path: YamlPath; line: number }[] = [];

  constructor(source: string) {
    this.scan(source.split(/\r?\n/));
  }

  /** The line of the node at `path`, or of its nearest ancestor the scan found (1 for the document). */
  lineOf(path: YamlPath): number {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(JSON.stringify(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return 1;
  }

  private scan(lines: string[]): void {
    const stack: Frame[] = [];
    let open: Open | undefined = { path: [], col: -1, sameCol: [] };
    // Lines to skip: inside a block scalar (deeper than `blockCol`) or a multi-line flow collection.
    let blockCol: number | undefined;
    let flowDepth = 0;

    const container = (col: number, kind: Frame["kind"]): Frame => {
      if (open && (col > open.col || (col === open.col && open.sameCol.includes(kind)))) {
        const frame: Frame = { col, path: open.path, kind, next: 0 };
        open = undefined;
        stack.push(frame);
        return frame;
      }
      open = undefined;
      for (let top = stack.at(-1); top; top = stack.at(-1)) {
        if (top.col > col || (top.col === col && top.kind !== kind)) stack.pop();
        else break;
      }
      const top = stack.at(-1);
      if (top && top.col === col && top.kind === kind) return top;
      // Indentation the parser would refuse anyway: attach it somewhere sensible.
      const frame: Frame = { col, path: top?.path ?? [], kind, next: 0 };
      stack.push(frame);
      return frame;
    };

    lines.forEach((raw, index) => {
      const lineNo = index + 1;
      const indent = raw.length - raw.trimStart().length;
      const text = raw.trim();
      if (blockCol !== undefined) {
        if (text === "" || indent > blockCol) return;
        blockCol = undefined;
      }
      if (flowDepth > 0) {
        flowDepth = Math.max(0, flowDepth + bracketBalance(text));
        return;
      }
      if (text === "" || text.startsWith("#") || text.startsWith("---") || text.startsWith("%")) return;

      let col = indent;
      let rest = text;
      for (;;) {
        if (rest === "-" || rest.startsWith("- ")) {
          const seq = container(col, "seq");
          const path = [...seq.path, seq.next++];
          this.lines.set(JSON.stringify(path), lineNo);
          const after = rest.slice(1);
          const content = after.trimStart();
          const itemCol = col + 1 + (after.length - content.length);
          open =
            content === "" ? { path, col, sameCol: [] } : { path, col: itemCol, sameCol: ["map", "seq"] };
          if (content === "" || content.startsWith("#")) return;
          col = itemCol;
          rest = content;
          continue;
        }
        const key = KEY.exec(rest);
        if (key) {
          const name = key[1] ?? key[2]?.replaceAll("''", "'") ?? (key[3] as string).trim();
          const map = container(col, "map");
          const path = [...map.path, name];
          const id = JSON.stringify(path);
          if (this.lines.has(id)) this.duplicates.push({ path, line: lineNo });
          else this.lines.set(id, lineNo);
          const value = rest.slice(key[0].length).trim();
          if (value === "" || value.startsWith("#")) open = { path, col, sameCol: ["seq"] };
          else skipAfter(value, col);
          return;
        }
        skipAfter(rest, col);
        return;
      }
    });

    /** A value that goes on below its line: a block scalar, or a flow collection left open. */
    function skipAfter(value: string, col: number): void {
      if (BLOCK_SCALAR.test(value)) blockCol = col;
      else if (value.startsWith("[") || value.startsWith("{")) flowDepth = Math.max(0, bracketBalance(value));
    }
  }
}

/** Opening minus closing brackets, outside quotes. */
function bracketBalance(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#" && (i === 0 || text[i - 1] === " ")) break;
    else if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") depth--;
  }
  return depth;
}

/**
 * The line of a syntax error: the one after the longest prefix of the file that still parses
 * (a prefix cut inside a multi-line construct fails, so the scan goes from the end).
 */
export function syntaxErrorLine(source: string, parse: (text: string) => unknown): number {
  const lines = source.split(/\r?\n/);
  for (let n = lines.length - 1; n > 0; n--) {
    try {
      parse(lines.slice(0, n).join("\n"));
      return n + 1;
    } catch {}
  }
  return 1;
}
