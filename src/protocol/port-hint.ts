// The default port, and how hints name a port the user can paste.

export const DEFAULT_PORT = 8775;

/** ` --port N` when the port is not the default, for hints the user can paste. */
export function portHint(port: number): string {
  return port === DEFAULT_PORT ? "" : ` --port ${port}`;
}
