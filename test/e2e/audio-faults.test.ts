// The audio mode's unhappy paths through dist/lk with the protocol-level fake agent, which hears a
// turn when a voice is followed by silence (as FAKE_HEARD): a turn heard but never answered, and a
// say client killed mid-reply, after which the daemon still acknowledges the agent's playback (the
// agent never hangs "speaking").

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanupAll, type RunResult, Sandbox } from "../helpers/lk.ts";
import { requireAudioAgent } from "../helpers/real-agents.ts";
import { watch } from "../helpers/watch.ts";

const SLOW = 120_000;

type Json = Record<string, unknown>;

function result(run: RunResult): Json {
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as Json;
}

async function status(box: Sandbox): Promise<Json> {
  return result(await box.session(["status", "--json"])).status as Json;
}

/** Polls status until `check` holds (at most 30 s); the last status. */
async function until(box: Sandbox, check: (s: Json) => boolean): Promise<Json> {
  let last = await status(box);
  for (let i = 0; i < 600 && !check(last); i++) {
    await Bun.sleep(50);
    last = await status(box);
  }
  return last;
}

describe("audio sessions with the fake agent", () => {
  // It needs no audio agent, but a TTS to speak with.
  beforeAll(requireAudioAgent);
  afterAll(cleanupAll);

  test(
    "a turn the agent hears but does not answer is silent: (no reply), exit 0",
    async () => {
      const box = await Sandbox.create();
      expect((await box.startFake({ FAKE_HEARD: "!noreply" }, ["--audio", "--fast-playback"])).code).toBe(0);
      const say = await box.session(["say", "are you there?", "--speed", "4"]);
      expect(say.code).toBe(0);
      expect(say.stdout).toContain("● You (heard)\n    !noreply\n    (sent: are you there?)\n");
      expect(say.stdout).toContain("(no reply)");
      const json = result(await box.session(["say", "still there?", "--speed", "4", "--json"]));
      expect(json).toMatchObject({ ok: true, silent: true, reply: "", heard: "!noreply" });
      await box.cleanup();
    },
    SLOW,
  );

  test(
    "a say killed mid-reply changes nothing for the agent: its playback is acknowledged, the next turn works",
    async () => {
      const box = await Sandbox.create();
      expect((await box.startFake({ FAKE_HEARD: "hello !speak 3000" }, ["--audio"])).code).toBe(0);
      const say = watch(box, ["say", "hello", "--speed", "4"]);
      // Speaking: its 3 s reply arrived, and waits to be played.
      expect((await until(box, (s) => s.agentState === "speaking")).agentState).toBe("speaking");
      await say.interrupt();
      // The daemon plays it out and answers the flush: the agent goes back to listening, its reply in its history.
      expect((await until(box, (s) => s.agentState === "listening")).agentState).toBe("listening");
      const logs = await box.session(["logs"]);
      expect(logs.stdout).toContain("fake-agent: playback finished");
      const history = await box.session(["history"]);
      expect(history.stdout).toContain("● Agent\n    hello !speak 3000");
      const next = await box.session(["say", "hello", "--speed", "4", "--json"]);
      expect(next.code).toBe(0);
      expect((result(next).audio as Json).playback).toEqual({ flushes: 1, finished: 1, clears: 0 });
      await box.cleanup();
    },
    SLOW,
  );
});
