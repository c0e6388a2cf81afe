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
      // /proc/PID/environ reads empty while a process is in the middle of exec: ask until both are settled.
      const expected = [child.pid, grandchild].sort();
      let found = markedProcesses(marker).sort();
      for (let tries = 0; tries < 100 && found.join() !== expected.join(); tries++) {
        await Bun.sleep(20);
        found = markedProcesses(marker).sort();
      }
      expect(found).toEqual(expected);
      expect(markedProcesses(newMarker())).toEqual([]);
    } finally {
      process.kill(grandchild, "SIGKILL");
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});
