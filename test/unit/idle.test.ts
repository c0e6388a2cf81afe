// --idle-timeout's clock: a running command holds the session open; its end restarts the count.

import { describe, expect, test } from "bun:test";
import { IdleTimer } from "../../src/daemon/idle.ts";

const idleOnce = (timer: { fired: Promise<void> }) => timer.fired;

function timer(ms: number) {
  let fire: () => void = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  let count = 0;
  const idle = new IdleTimer(ms, () => {
    count++;
    fire();
  });
  return { idle, fired, count: () => count };
}

describe("IdleTimer", () => {
  test("fires once, after its time with no command", async () => {
    const t = timer(20);
    t.idle.start();
    await idleOnce(t);
    await Bun.sleep(50);
    expect(t.count()).toBe(1);
  });

  test("never while a command is still running; counting again from its end", async () => {
    const t = timer(10);
    t.idle.start();
    const done = t.idle.begin();
    await Bun.sleep(60);
    expect(t.count()).toBe(0);
    done();
    done(); // twice is once
    await idleOnce(t);
    expect(t.count()).toBe(1);
  });

  test("0 is never; a stopped timer does not fire", async () => {
    const never = timer(0);
    never.idle.start();
    const stopped = timer(10);
    stopped.idle.start();
    stopped.idle.stop();
    await Bun.sleep(50);
    expect(never.count()).toBe(0);
    expect(stopped.count()).toBe(0);
  });

  test("a new limit (restart --idle-timeout) counts from the last command; 0 turns it off", async () => {
    const t = timer(60_000);
    t.idle.start();
    t.idle.change(15);
    expect(t.idle.ms).toBe(15);
    await idleOnce(t);
    expect(t.count()).toBe(1);
    const off = timer(15);
    off.idle.start();
    off.idle.change(0);
    await Bun.sleep(50);
    expect(off.count()).toBe(0);
  });
});
