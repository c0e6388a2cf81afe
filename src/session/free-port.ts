// Ports for test sessions: free now by the OS's word, never the user's own session port, never one
// this process already handed out, and not held by a session record of ours.

import { createServer } from "node:net";
import type { SessionLookup } from "./find-session.ts";

export class PortPicker {
  private readonly taken = new Set<number>();

  constructor(
    avoid: number[],
    private readonly find: (port: number) => Promise<SessionLookup>,
  ) {
    for (const port of avoid) this.taken.add(port);
  }

  async next(): Promise<number> {
    for (let tries = 0; tries < 50; tries++) {
      const port = await osFreePort();
      if (this.taken.has(port)) continue;
      this.taken.add(port);
      const found = await this.find(port);
      if (found.kind === "none" || found.kind === "stale") return port;
    }
    throw new Error("found no free port on 127.0.0.1 after 50 tries");
  }
}

/** A port the OS hands out for 127.0.0.1 right now (it is released again at once). */
function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
