// Barge-in through dist/lk with the real audio echo agent: `say --interrupt-after` speaks over the
// reply of the say still running; that say ends with its reply cut short (interrupted), this one
// reports its own turn. And the audio options a session cannot take.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanupAll, type RunResult, Sandbox } from "../helpers/lk.ts";
import { AUDIO_AGENT, requireAudioAgent } from "../helpers/real-agents.ts";
import { watch } from "../helpers/watch.ts";

const SLOW = 120_000;
const PARIS = "The weather in Paris is sunny with a temperature of 70 degrees.";

type Json = Record<string, unknown>;

function result(run: RunResult): Json {
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as Json;
}

describe("barge-in in an audio session", () => {
  let box: Sandbox;

  beforeAll(async () => {
    requireAudioAgent();
    box = await Sandbox.create();
    // Replies of 100 ms a character (6.3 s for the weather): long enough to be spoken over.
    const start = await box.session(["start", "agent.py", "--audio"], {
      cwd: AUDIO_AGENT.dir,
      env: { ECHO_AGENT_NO_GREETING: "1", ECHO_AUDIO_TONE_MS: "100" },
    });
    expect(start.code).toBe(0);
  }, SLOW);
  afterAll(cleanupAll);

  test(
    "--interrupt-after with no say running fails at once, and speaks nothing",
    async () => {
      const say = await box.session(["say", "--interrupt-after", "1s", "what's the weather in Tokyo"]);
      expect(say.code).toBe(1);
      expect(say.stderr).toContain("nothing to interrupt: no turn is running");
      const status = result(await box.session(["status", "--json"])).status as Json;
      expect(status.turns).toBe(0);
    },
    SLOW,
  );

  test(
    "the running say's reply shows as interrupted; the interrupting say has its own turn and what it spoke over",
    async () => {
      const first = watch(box, ["say", "what's the weather in Paris"]);
      // Running: the daemon has it (queued counts the running turn).
      for (let i = 0; i < 500; i++) {
        const status = result(await box.session(["status", "--json"])).status as Json;
        if ((status.queued as number) >= 1) break;
        await Bun.sleep(20);
      }
      const second = await box.session([
        "say",
        "--interrupt-after",
        "1s",
        "what's the weather in Tokyo",
        "--json",
      ]);
      const before = await first.finished();

      expect(before.code).toBe(0);
      expect(before.stdout).toMatch(/● You \(heard\)\n {4}What's the weather in Paris\n/i);
      // Cut to what had played when the agent took the new turn.
      const cut = /● Agent \(interrupted\)\n {4}(.+)\n/.exec(before.stdout)?.[1] ?? "";
      expect(cut.length).toBeGreaterThan(0);
      expect(PARIS.startsWith(cut)).toBe(true);
      expect(cut.length).toBeLessThan(PARIS.length);

      expect(second.code).toBe(0);
      const r = result(second);
      expect(r.heard).toMatch(/^what's the weather in tokyo$/i);
      const call = (r.events as Json[]).find((e) => e.type === "tool_call") as Json;
      expect(JSON.parse(call.arguments as string)).toEqual({ location: "Tokyo" });
      expect(r.reply).toBe("The weather in Tokyo is sunny with a temperature of 70 degrees.");
      // The interrupted reply is the first say's, not this one's.
      expect((r.events as Json[]).some((e) => e.interrupted === true)).toBe(false);
      expect(r.interrupted).toMatchObject({ text: cut });
      expect((r.interrupted as Json).afterMs).toBeGreaterThan(0);
      expect((r.audio as Json).playback).toEqual({ flushes: 1, finished: 1, clears: 0 });
    },
    SLOW,
  );

  test(
    "--json of an interrupted turn: its reply marked interrupted: true, its playback cleared",
    async () => {
      const first = watch(box, ["say", "what's the weather in London", "--json"]);
      for (let i = 0; i < 500; i++) {
        const status = result(await box.session(["status", "--json"])).status as Json;
        if ((status.queued as number) >= 1) break;
        await Bun.sleep(20);
      }
      const second = await box.session(["say", "--interrupt-after", "500ms", "goodbye"]);
      const before = await first.finished();
      expect(before.code).toBe(0);
      expect(second.stderr).toBe("");
      expect(second.code).toBe(0);
      const r = result(before);
      const reply = (r.events as Json[]).find((e) => e.type === "message" && e.role === "assistant");
      expect(reply).toMatchObject({ interrupted: true });
      expect((r.audio as Json).playback).toMatchObject({ flushes: 1, finished: 0, clears: 1 });
      expect(second.stdout).toMatch(/● You \(heard\)\n {4}Goodbye\n/);
      expect(second.stdout).toContain("spoke over the agent's reply");
    },
    SLOW,
  );
});

describe("restart of an audio session", () => {
  afterAll(cleanupAll);

  test(
    "comes back in audio mode (the same daemon), with its playback option; its turns counted from 1",
    async () => {
      requireAudioAgent();
      const box = await Sandbox.create();
      const start = await box.session(["start", "agent.py", "--audio", "--fast-playback"], {
        cwd: AUDIO_AGENT.dir,
        env: { ECHO_AGENT_NO_GREETING: "1" },
      });
      expect(start.code).toBe(0);
      const restart = await box.session(["restart"], { env: { ECHO_AGENT_NO_GREETING: "1" } });
      expect(restart.code).toBe(0);
      const status = result(await box.session(["status", "--json"])).status as Json;
      expect(status.mode).toBe("audio");
      expect(status.audio).toMatchObject({ fastPlayback: true });
      const say = await box.session(["say", "hello", "--speed", "4"]);
      expect(say.code).toBe(0);
      expect(say.stdout).toMatch(/● You \(heard\)\n {4}Hello\n/);
      // The new run's first turn, in its log like a typed one.
      const logs = await box.session(["logs", "--last-turn"]);
      expect(logs.stdout).toContain(`── turn 1: "hello" ──`);
      await box.cleanup();
    },
    SLOW,
  );
});

describe("audio options where they do not belong", () => {
  afterAll(cleanupAll);

  test("start: --voice, --tts-command or --fast-playback without --audio is refused, nothing started", async () => {
    const box = await Sandbox.create();
    for (const args of [["--voice", "en-us"], ["--tts-command", "cat"], ["--fast-playback"]]) {
      const start = await box.session(["start", "agent.py", ...args], { cwd: AUDIO_AGENT.dir });
      expect(start.code).toBe(1);
      expect(start.stderr).toContain(`${args[0]} needs --audio`);
    }
    expect((await box.session(["status"])).code).toBe(1);
  });

  test("say: --speed, --interrupt-after and --save-audio in a text session are refused", async () => {
    const box = await Sandbox.create();
    expect((await box.startFake()).code).toBe(0);
    try {
      for (const args of [
        ["--speed", "2"],
        ["--interrupt-after", "1s"],
        ["--save-audio", "x"],
      ]) {
        const say = await box.session(["say", "hello", ...args]);
        expect(say.code).toBe(1);
        expect(say.stderr).toContain("this is a text session");
      }
      const bad = await box.session(["say", "hello", "--speed", "0"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("--speed: the speed must be a number from 0.25 to 100");
    } finally {
      await box.cleanup();
    }
  });
});
