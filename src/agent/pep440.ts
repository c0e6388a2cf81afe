// Python package versions (PEP 440) and their order: 1.6.0.dev1 < 1.6.0a1 < 1.6.0b1 < 1.6.0rc1 < 1.6.0
// < 1.6.0.post1. Semver gets these wrong (1.6.0rc1 is not valid semver), so Python versions come here.

export interface Pep440Version {
  epoch: number;
  release: number[];
  /** a, b or rc (alpha, beta, c, pre, preview normalised), with its number. */
  pre?: { label: "a" | "b" | "rc"; n: number };
  post?: number;
  dev?: number;
  /** After `+`: kept for display, ignored for ordering. */
  local?: string;
}

// The version pattern of PEP 440 (appendix B), with the alternative spellings it allows.
const PATTERN = new RegExp(
  "^\\s*v?" +
    "(?:(?<epoch>[0-9]+)!)?" +
    "(?<release>[0-9]+(?:\\.[0-9]+)*)" +
    "(?:[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?" +
    "(?:-(?<postN1>[0-9]+)|[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?)?" +
    "(?:[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?" +
    "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?" +
    "\\s*$",
  "i",
);

const PRE_LABELS: Record<string, "a" | "b" | "rc"> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  pre: "rc",
  preview: "rc",
  rc: "rc",
};

/** The parsed version, or undefined when it is not a PEP 440 version. */
export function parsePep440(text: string): Pep440Version | undefined {
  const m = PATTERN.exec(text);
  if (!m?.groups) return undefined;
  const g = m.groups;
  const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const version: Pep440Version = {
    epoch: num(g.epoch),
    release: (g.release as string).split(".").map(Number),
  };
  if (g.preL) version.pre = { label: PRE_LABELS[g.preL.toLowerCase()] as "a" | "b" | "rc", n: num(g.preN) };
  if (g.postN1 !== undefined) version.post = num(g.postN1);
  else if (g.postL) version.post = num(g.postN2);
  if (g.devL) version.dev = num(g.devN);
  if (g.local) version.local = g.local.toLowerCase();
  return version;
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

/** The sort key of PEP 440 (as `packaging` builds it), local part left out. */
function key(v: Pep440Version): number[] {
  // A dev release of a final version (1.0.dev1) sorts before its pre-releases (1.0a1).
  const devOnly = !v.pre && v.post === undefined && v.dev !== undefined;
  const preRank = v.pre ? PRE_RANK[v.pre.label] : devOnly ? -1 : 3;
  return [preRank, v.pre?.n ?? 0, v.post ?? -1, v.dev ?? Number.POSITIVE_INFINITY];
}

/** -1, 0 or 1: how `a` orders against `b` (1.0 and 1.0.0 are equal; local versions are ignored). */
export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const length = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < length; i++) {
    const x = a.release[i] ?? 0;
    const y = b.release[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] as number;
    const y = kb[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Is `version` at or above `min`? A version that does not parse is not. */
export function pep440AtLeast(version: string, min: string): boolean {
  const have = parsePep440(version);
  const need = parsePep440(min);
  if (!need) throw new Error(`not a PEP 440 version: ${min}`);
  return have !== undefined && comparePep440(have, need) >= 0;
}
