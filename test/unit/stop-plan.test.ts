import { describe, expect, test } from "bun:test";
import { planStop } from "../../src/daemon/shutdown.ts";
import { StartFailure } from "../../src/daemon/start-up.ts";

describe("what a stop means", () => {
  test("an end once ready: logs go, exit 0, a running turn says the session was ended", () => {
    const plan = planStop({ kind: "end" }, false);
    expect(plan).toMatchObject({
      keepLogs: false,
      exitCode: 0,
      turns: {
        code: "ending",
        error: "the session was ended while this turn was running",
        listenError: "the session was ended while listen was waiting",
      },
    });
    expect(plan.startFailure).toBeUndefined();
  });

  test("an end while starting is a failed start: logs kept, start and waiting commands told why", () => {
    const plan = planStop({ kind: "end" }, true);
    expect(plan).toMatchObject({ keepLogs: true, exitCode: 1 });
    expect(plan.startFailure?.message).toBe("the session was ended while it was starting");
    expect(plan.refusal).toEqual({
      code: "agent_exited",
      error: "the session could not start: the session was ended while it was starting",
    });
  });

  test("a signal: logs go, exit 0; while starting, start names the signal", () => {
    expect(planStop({ kind: "signal", signal: "SIGTERM" }, false)).toMatchObject({
      keepLogs: false,
      exitCode: 0,
      turns: { code: "ending", error: "the session daemon was stopped" },
    });
    expect(planStop({ kind: "signal", signal: "SIGHUP" }, true).startFailure?.message).toBe(
      "the session daemon was stopped (SIGHUP)",
    );
  });

  test("an agent that exited or hung up: logs kept, exit 1, turns fail with its output", () => {
    expect(planStop({ kind: "agent-exited", exit: "the agent exited with code 3" }, false)).toMatchObject({
      keepLogs: true,
      exitCode: 1,
      withOutput: true,
      turns: { code: "agent_exited", error: "the agent exited with code 3" },
    });
    expect(
      planStop({ kind: "agent-hung-up", reason: "the agent closed its connection" }, false).turns,
    ).toEqual({
      code: "agent_exited",
      error: "the agent closed its connection; the agent was still running and has been stopped",
    });
  });

  test("every started session that ends leaves an ended record for the next command; a failed start does not", () => {
    const exited = { kind: "agent-exited", exit: "the agent exited with code 6" } as const;
    const hungUp = { kind: "agent-hung-up", reason: "the agent closed its connection" } as const;
    expect(planStop(exited, false).leavesRecord).toBe(true);
    expect(planStop(hungUp, false).leavesRecord).toBe(true);
    expect(planStop({ kind: "end" }, false)).toMatchObject({
      leavesRecord: true,
      recordWhy: "it was ended (`lk agent session end`)",
    });
    expect(planStop({ kind: "signal", signal: "SIGTERM" }, false)).toMatchObject({
      leavesRecord: true,
      recordWhy: "the session daemon was stopped (SIGTERM)",
    });
    // Before ready, start itself reports it.
    expect(planStop(exited, true).leavesRecord).toBeUndefined();
    expect(planStop({ kind: "end" }, true).leavesRecord).toBeUndefined();
    expect(planStop({ kind: "signal", signal: "SIGTERM" }, true).leavesRecord).toBeUndefined();
  });

  test("a failed start reports its own code", () => {
    const failure = new StartFailure("timeout", "the agent did not connect within 1 s");
    expect(planStop({ kind: "start-failed", failure }, true)).toMatchObject({
      keepLogs: true,
      exitCode: 1,
      startFailure: failure,
    });
  });
});

describe("an idle session", () => {
  test("ends cleanly (exit 0), keeps its logs and leaves a record of why", () => {
    const plan = planStop({ kind: "idle", ms: 2000 }, false);
    const why = "it was idle, with no command for 2s (--idle-timeout; 0: never)";
    expect(plan).toMatchObject({
      keepLogs: true,
      exitCode: 0,
      leavesRecord: true,
      why,
      turns: { code: "ending", error: `the session ended: ${why}` },
    });
    expect(plan.startFailure).toBeUndefined();
  });
});
