// The reason shown for an agent that failed before connecting: the line that says why, not the
// framework's last DEBUG line.

import { describe, expect, test } from "bun:test";
import { failureLine } from "../../src/agent/failure-line.ts";

describe("failureLine", () => {
  test("Python: the exception line of the last traceback, not the DEBUG lines after it", () => {
    const lines = [
      "13:52:02 INFO livekit.agents job runner initialized",
      "Traceback (most recent call last):",
      '  File "x.py", line 1, in <module>',
      "ValueError: the first one",
      "13:52:02 ERROR livekit.agents unhandled exception while running the job task",
      "Traceback (most recent call last):",
      '  File "agent.py", line 306, in entry',
      '    raise RuntimeError("echo agent: crash in entry requested")',
      "    ^^^^^^^^^^^^^^^^^^",
      "RuntimeError: echo agent: crash in entry requested",
      '13:52:02 DEBUG livekit.agents shutting down job task {"reason": "job crashed"}',
      "13:52:02 DEBUG livekit.agents http_session(): closing the httpclient ctx",
    ];
    expect(failureLine(lines)).toBe("RuntimeError: echo agent: crash in entry requested");
  });

  test("Node: the Error line", () => {
    const lines = [
      "[12:00:00.000] ERROR (123): console mode failed: Error: echo agent: simulated crash in entry",
      "    at entry (/work/agent.mjs:307:13)",
      "[12:00:00.001] DEBUG (123): closing",
    ];
    expect(failureLine(lines)).toBe(
      "[12:00:00.000] ERROR (123): console mode failed: Error: echo agent: simulated crash in entry",
    );
  });

  test("else the last line that is not DEBUG; else the last line; none: undefined", () => {
    expect(failureLine(["INFO starting", "WARNING no key set", "DEBUG bye"])).toBe("WARNING no key set");
    expect(failureLine(["DEBUG only"])).toBe("DEBUG only");
    expect(failureLine([])).toBeUndefined();
  });
});
