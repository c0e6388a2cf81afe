// start's ready channel and the daemon's side of it: the report with the key is taken, anything
// else on the port is dropped, and a daemon that cannot reach start says so (it then writes the file).

import { describe, expect, test } from "bun:test";
import { signalReady } from "../../src/daemon/ready-signal.ts";
import type { ReadyReport } from "../../src/protocol/daemon-spec.ts";
import { openReadyChannel } from "../../src/session/ready-channel.ts";
import { freePort } from "../helpers/lk.ts";

const report: ReadyReport = {
  ok: true,
  daemonPid: 1,
  agentPid: 2,
  greeting: [
    { type: "message", role: "assistant", text: "Hello ✓ (a large one: ".padEnd(200_000, "x"), at: 3 },
  ],
  agentLog: "/tmp/agent.log",
};

describe("the ready channel", () => {
  test("takes the report that comes with its key, whole, and drops one with another key", async () => {
    const channel = openReadyChannel();
    if (!channel) throw new Error("no channel");
    try {
      expect(
        await signalReady({ ...channel.signal, key: "0".repeat(32) }, JSON.stringify({ ok: false })),
      ).toBe(true);
      expect(channel.received()).toBeUndefined();
      expect(await signalReady(channel.signal, JSON.stringify(report))).toBe(true);
      expect(await channel.report).toEqual(report);
      expect(channel.received()).toEqual(report);
    } finally {
      channel.close();
    }
  });

  test("a daemon that cannot reach start is told so (and writes the ready file instead)", async () => {
    const port = await freePort();
    expect(await signalReady({ port, key: "k" }, "{}")).toBe(false);
  });
});
