// The one way every command says there is no session, with hints that fit the port in use.

import { UserError } from "../errors.ts";

export const DEFAULT_PORT = 8775;

/** ` --port N` when the port is not the default, for hints the user can paste. */
export function portHint(port: number): string {
  return port === DEFAULT_PORT ? "" : ` --port ${port}`;
}

export function noSession(port: number, notes: string[] = []): UserError {
  return new UserError(
    `no session running on 127.0.0.1:${port} (run \`lk agent session start${portHint(port)}\` first)`,
    1,
    notes,
  );
}
