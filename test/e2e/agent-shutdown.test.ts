// What `end` and `restart` let a real agent finish after SIGINT: its shutdown callbacks (a slow one
// that logs nothing) and its framework's own clean-up (livekit-agents' temporary folder). Killing it
// at the first sign that its session closed would cut both short.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, portIsFree, Sandbox, tempDir } from "../helpers/lk.ts";
import { PYTHON_AGENT, requireInstalled } from "../helpers/real-agents.ts";

const SLOW = 120_000;
afterAll(cleanupAll);

describe("the real Python echo agent stops cleanly", () => {
  beforeAll(() => requireInstalled(PYTHON_AGENT));

  test(
    "end and restart wait for its shutdown callback and its temporary folder's clean-up",
    async () => {
      const box = await Sandbox.create();
      const agentTmp = tempDir("lk-agent-tmp-");
      const done = join(tempDir("lk-shutdown-"), "closed");
      try {
        const start = await box.session(
          ["start", "agent.py", "--env", `ECHO_AGENT_SHUTDOWN_FILE=${done}`, "--env", `TMPDIR=${agentTmp}`],
          { cwd: PYTHON_AGENT.dir, env: { ECHO_AGENT_NO_GREETING: "1" } },
        );
        expect(start.code).toBe(0);
        // The job's own temporary folder, while it runs.
        expect(readdirSync(agentTmp).length).toBeGreaterThan(0);
        expect((await box.session(["say", "hello"])).code).toBe(0);

        // A restart stops the old agent the same way.
        expect((await box.session(["restart"])).code).toBe(0);
        expect(readFileSync(done, "utf8")).toBe("closed cleanly");
        // Only the new agent's folder is left.
        expect(readdirSync(agentTmp).length).toBe(1);
        rmSync(done);

        const end = await box.session(["end"]);
        expect(end.code).toBe(0);
        expect(readFileSync(done, "utf8")).toBe("closed cleanly");
        expect(readdirSync(agentTmp)).toEqual([]);
        expect(await portIsFree(box.port)).toBe(true);
        // Its framework's last line made it to the log before the run's end marker.
        const log = readFileSync(join(box.stateDir, `session-${box.port}.agent.log`), "utf8");
        expect(log.indexOf("closing the httpclient ctx")).toBeGreaterThan(-1);
        expect(log.indexOf("closing the httpclient ctx")).toBeLessThan(log.indexOf("── run 2 ended"));
      } finally {
        await box.cleanup();
      }
      expect(existsSync(agentTmp) ? readdirSync(agentTmp) : []).toEqual([]);
    },
    SLOW,
  );
});
