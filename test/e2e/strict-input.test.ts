// Ports and timeouts that are not plainly one are refused before anything happens, with the usual
// message: on stderr, or as the one JSON result line.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { FAKE_AGENT_DIR, portIsFree, type RunResult, Sandbox } from "../helpers/lk.ts";

let box: Sandbox;
beforeEach(async () => {
  box = await Sandbox.create();
});
afterEach(async () => {
  await box.cleanup();
});

/** A refusal at parse time: exit 1 and the message; with --json exactly one result line, stderr silent. */
function expectRefused(run: RunResult, message: string, json = false): void {
  expect(run.code).toBe(1);
  if (!json) {
    expect(run.stderr).toContain(message);
    return;
  }
  expect(run.stderr).toBe("");
  const lines = run.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] as string)).toMatchObject({
    kind: "result",
    ok: false,
    exitCode: 1,
    error: message,
  });
}

describe("ports", () => {
  for (const bad of ["", "0x4B8C", "1e4", " 8775", "+8775"]) {
    test(`--port ${JSON.stringify(bad)} is refused, not read as some port`, async () => {
      const message = `--port must be a whole number from 1 to 65535 (got ${JSON.stringify(bad)})`;
      expectRefused(await box.lk(["agent", "session", "status", "--port", bad]), message);
      expectRefused(await box.lk(["agent", "session", "status", "--port", bad, "--json"]), message, true);
    });
  }

  test("LK_SESSION_PORT the same way", async () => {
    for (const bad of ["0x4B8C", "1e4"]) {
      const run = await box.lk(["agent", "session", "status"], { env: { LK_SESSION_PORT: bad } });
      expectRefused(
        run,
        `LK_SESSION_PORT must be a whole number from 1 to 65535 (got ${JSON.stringify(bad)})`,
      );
    }
  });
});

describe("timeouts that round to 0 ms", () => {
  const message =
    '--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds, at most 2000000 s (got "0.0001")';

  test("start refuses one before it starts anything", async () => {
    const start = await box.session(
      ["start", "agent.ts", "--runtime", "bun", "--skip-sdk-check", "--timeout", "0.0001"],
      { cwd: FAKE_AGENT_DIR },
    );
    expectRefused(start, message);
    expect(start.output).not.toContain("did not connect");
    expect(await portIsFree(box.port)).toBe(true);
    expect(readdirSync(box.stateDir)).toEqual([]);
  });

  test("say and listen refuse one; the session never sees it", async () => {
    expect((await box.startFake()).code).toBe(0);
    const say = await box.session(["say", "hi", "--timeout", "0.0001"]);
    expectRefused(say, message);
    expect(say.output).not.toContain("timeoutMs");
    expectRefused(await box.session(["say", "hi", "--timeout", "0.0001", "--json"]), message, true);
    expectRefused(await box.session(["listen", "--timeout", "0.0001"]), message);
    const status = JSON.parse((await box.session(["status", "--json"])).stdout.trim());
    expect(status.status.turns).toBe(0);
  });

  test("an empty --timeout is refused too, not the default", async () => {
    const run = await box.session(["say", "hi", "--timeout", ""]);
    expectRefused(
      run,
      '--timeout must be a duration like 90s, 2m or 1h30m, or a number of seconds, at most 2000000 s (got "")',
    );
  });
});
