// One meaning per exit code, the same for every command (documented in the README).

import type { ControlErrorCode } from "./control.ts";

export const EXIT = {
  ok: 0,
  /** No session, bad input, an agent error, the agent or daemon gone. */
  failure: 1,
  /** `--expect` did not match the agent's reply. */
  expectation: 2,
  /** The agent did not finish in time (or, for `listen`, said nothing in time). */
  timeout: 124,
  interrupted: 130,
} as const;

export function exitCodeFor(code: ControlErrorCode | undefined): number {
  return code === "timeout" || code === "nothing" ? EXIT.timeout : EXIT.failure;
}
