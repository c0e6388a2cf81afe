// Runs a command body with a reporter on the process's own stdout and stderr, then exits once
// they are flushed.

import type { UserError } from "../errors.ts";
import { Reporter } from "../render/reporter.ts";
import { flushAndExit, stderr, stdout } from "./stdio.ts";

/**
 * Runs a command body with a reporter; the body returns its exit code and result fields.
 * Any failure becomes the result (and the exit code) the same way for every command.
 */
export async function runReported(
  command: string,
  json: boolean,
  body: (
    reporter: Reporter,
  ) => Promise<{ exitCode?: number; fields?: Record<string, unknown>; error?: UserError } | undefined>,
): Promise<never> {
  const reporter = new Reporter(command, json, { out: stdout, err: stderr });
  let code: number;
  try {
    const outcome = (await body(reporter)) ?? {};
    code = outcome.error
      ? reporter.finish(outcome.error.exitCode, outcome.fields, {
          message: outcome.error.message,
          detail: outcome.error.detail,
        })
      : reporter.finish(outcome.exitCode ?? 0, outcome.fields);
  } catch (error) {
    code = reporter.fail(error);
  }
  return flushAndExit(code);
}
