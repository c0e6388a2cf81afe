// The hidden `daemon` command's entry: run the session until it stops (the Daemon exits the process).

import type { DaemonSpec } from "../protocol/daemon-spec.ts";
import { Daemon } from "./daemon.ts";

export async function runDaemon(spec: DaemonSpec): Promise<never> {
  await new Daemon(spec).run();
  return new Promise<never>(() => {});
}
