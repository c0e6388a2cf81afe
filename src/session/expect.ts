// `--expect` and replay expectations: regular expressions the agent's reply must (or must not) match.

import { UserError } from "../errors.ts";
import { EXIT } from "../protocol/exit-codes.ts";

export interface Expectation {
  /** As the user wrote it, for messages. */
  source: string;
  regex: RegExp;
  /** True for "must not match". */
  negated: boolean;
}

/** `/body/flags` is a regex literal; anything else is a pattern as is. A leading `!` negates (replay only). */
export function parseExpectation(raw: string, negated = false): Expectation {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(raw);
  try {
    const regex = literal ? new RegExp(literal[1] as string, literal[2]) : new RegExp(raw);
    return { source: raw, regex, negated };
  } catch (error) {
    throw new UserError(`invalid expectation ${JSON.stringify(raw)}: ${(error as Error).message}`);
  }
}

export function parseExpectations(raw: string[]): Expectation[] {
  return raw.map((r) => parseExpectation(r));
}

export interface ExpectationResult {
  pattern: string;
  negated: boolean;
  ok: boolean;
}

/** Every expectation's result; with `error` (exit 2) when any failed. */
export function checkExpectations(
  expectations: Expectation[],
  reply: string,
): { results: ExpectationResult[]; error?: UserError } {
  const results = expectations.map((e) => ({
    pattern: e.source,
    negated: e.negated,
    ok: e.regex.test(reply) !== e.negated,
  }));
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return { results };
  const lines = failed.map((f) =>
    f.negated ? `- must not match: ${f.pattern}` : `- expected to match: ${f.pattern}`,
  );
  const shown =
    reply === ""
      ? "(the agent said nothing)"
      : reply
          .split("\n")
          .map((l) => `    ${l}`)
          .join("\n");
  return {
    results,
    error: new UserError(`expectation failed: the agent's reply did not match`, EXIT.expectation, [
      ...lines,
      "+ the agent replied:",
      ...shown.split("\n"),
    ]),
  };
}
