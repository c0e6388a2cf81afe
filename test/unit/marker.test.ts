// The environment marker finds every process that inherited it, and only those.

import { describe, expect, test } from "bun:test";
import { MARKER_ENV, markedProcesses, newMarker } from "../../src/agent/marker.ts";

describe.skipIf(process.platform !== "linux" && process.platform !== "darwin")("markedProcesses", () => {
  test("a child and the grandchild it left in another session carry it; nothing else does", async () => {
    const marker = newMarker();
    expect(marker).toMatch(/^[0-9a-f]{32}$/);
    expect(markedProcesses(marker)).toEqual([]);
    // sh starts a background sleep in its own session (detached) and stays: both are marked.
    const child = Bun.spawn(["sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $!; exec sleep 30"], {
      env: { ...process.env, [MARKER_ENV]: marker },
      stdout: "pipe",
      detached: true,
    });
    const reader = child.stdout.getReader();
    const grandchild = Number(new TextDecoder().decode((await reader.read()).value).trim());
    try {
      expect(markedProcesses(marker).sort()).toEqual([child.pid, grandchild].sort());
      expect(markedProcesses(newMarker())).toEqual([]);
    } finally {
      process.kill(grandchild, "SIGKILL");
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});
