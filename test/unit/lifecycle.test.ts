import { describe, expect, test } from "bun:test";
import { IllegalTransition, isStarting, Lifecycle } from "../../src/daemon/lifecycle.ts";
import { SocketWriter } from "../../src/wire/socket-writer.ts";

function lifecycle() {
  const logged: string[] = [];
  const exits: number[] = [];
  return {
    life: new Lifecycle(
      (m) => logged.push(m),
      (code) => exits.push(code),
    ),
    logged,
    exits,
  };
}

describe("daemon states", () => {
  test("the start-up path, each transition logged", () => {
    const { life, logged } = lifecycle();
    for (const next of ["spawning", "awaiting-agent", "switching-mode", "greeting", "ready"] as const)
      life.to(next);
    life.to("stopping", "end requested");
    expect(life.state).toBe("stopping");
    expect(logged.at(-1)).toBe("ready → stopping: end requested");
  });

  test("an illegal transition is refused and the state stays", () => {
    const { life, logged } = lifecycle();
    expect(() => life.to("ready")).toThrow(IllegalTransition);
    expect(life.state).toBe("binding");
    life.to("spawning");
    life.to("awaiting-agent");
    expect(() => life.to("greeting")).toThrow("the daemon cannot go from awaiting-agent to greeting");
    expect(() => life.to("stopped")).toThrow(IllegalTransition);
    expect(life.state).toBe("awaiting-agent");
    expect(logged).toHaveLength(2);
  });

  test("stopped is final, and only stopping (or a failed bind) leads there", () => {
    const { life } = lifecycle();
    life.to("stopped");
    for (const next of ["binding", "spawning", "ready", "stopping", "stopped"] as const)
      expect(() => life.to(next)).toThrow(IllegalTransition);
  });

  test("starting means: commands wait for the outcome (a first start's, or a restart's)", () => {
    expect(
      ["replacing", "spawning", "awaiting-agent", "switching-mode", "greeting"].every((s) =>
        isStarting(s as never),
      ),
    ).toBe(true);
    expect(
      ["binding", "ready", "agent-down", "stopping", "stopped"].some((s) => isStarting(s as never)),
    ).toBe(false);
  });

  test("a restart: ready → replacing → the start-up path; a failed one → agent-down, and from there again", () => {
    const { life, logged } = lifecycle();
    for (const next of ["spawning", "awaiting-agent", "switching-mode", "greeting", "ready"] as const)
      life.to(next);
    life.to("replacing", "restart");
    life.to("spawning");
    life.to("awaiting-agent");
    life.to("agent-down", "the agent exited with code 1 before connecting");
    expect(logged.at(-1)).toBe("awaiting-agent → agent-down: the agent exited with code 1 before connecting");
    // Down: no turn can run, only another restart or a stop.
    expect(() => life.to("ready")).toThrow("the daemon cannot go from agent-down to ready");
    expect(() => life.to("spawning")).toThrow(IllegalTransition);
    life.to("replacing");
    for (const next of ["spawning", "awaiting-agent", "switching-mode", "greeting", "ready"] as const)
      life.to(next);
    life.to("replacing");
    life.to("stopping", "end requested");
    expect(life.state).toBe("stopping");
  });

  test("agent-down is reached only from the start-up path (not from binding), and left only by a restart or a stop", () => {
    const { life } = lifecycle();
    expect(() => life.to("agent-down")).toThrow(IllegalTransition);
    life.to("spawning");
    life.to("agent-down");
    life.to("stopping");
    expect(life.state).toBe("stopping");
  });
});

describe("exit", () => {
  test("only once the replies are flushed", async () => {
    const { life, exits } = lifecycle();
    life.to("spawning");
    life.to("stopping");
    // A reply the socket took only half of.
    let ended = false;
    let room = 3;
    const writer = new SocketWriter({
      write: (data) => {
        const n = Math.min(room, data.length);
        room -= n;
        return n;
      },
      end: () => {
        ended = true;
      },
    });
    writer.write(new Uint8Array(8));
    writer.end();
    const exiting = life.exitWhenFlushed(0, writer.flushed, 60_000);
    expect(life.state).toBe("stopped");
    await Bun.sleep(0);
    expect(exits).toEqual([]);
    room = 100;
    writer.drain();
    await exiting;
    expect(ended).toBe(true);
    expect(exits).toEqual([0]);
  });

  test("a client that never reads cannot keep the daemon alive past the bound", async () => {
    const { life, exits, logged } = lifecycle();
    await life.exitWhenFlushed(1, new Promise(() => {}), 1);
    expect(exits).toEqual([1]);
    expect(logged).toContain("exiting with replies still unsent");
  });
});
