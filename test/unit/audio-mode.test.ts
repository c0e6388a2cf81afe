// The audio mode's decisions without an agent: the simulated speaker (flush → finished once played,
// a clear cancels it), what a spoken turn carries on the control channel, how a heard turn is shown
// and judged, and the options of start, say and scenarios.

import { describe, expect, test } from "bun:test";
import say from "../../src/commands/say.ts";
import { parseAudioArgs } from "../../src/commands/start.ts";
import { Playback } from "../../src/daemon/playback.ts";
import { sameWords } from "../../src/protocol/audio.ts";
import { parseRequest } from "../../src/protocol/control.ts";
import type { DeliveredEvent } from "../../src/protocol/events.ts";
import { audioMetricsLine } from "../../src/render/metrics.ts";
import { colorsFor, TextRenderer } from "../../src/render/text.ts";
import { checkTurn } from "../../src/session/expect.ts";
import { heardText, observe } from "../../src/session/observed-turn.ts";
import { parseScenario } from "../../src/session/scenario.ts";
import { env } from "../helpers/fake-session.ts";

/** A frame of `ms` of 48 kHz mono. */
const frame = (ms: number) => ({
  data: new Uint8Array(ms * 96),
  sampleRate: 48000,
  numChannels: 1,
  samplesPerChannel: ms * 48,
});

function speaker(fast = false) {
  const log: string[] = [];
  let now = 1000;
  const playback = new Playback(
    () => log.push("finished"),
    fast,
    {
      frame: () => log.push("frame"),
      cleared: (_, played) => log.push(`cleared ${played}`),
      changed: () => {},
    },
    () => now,
  );
  return { playback, log, advance: (ms: number) => (now += ms) };
}

describe("the simulated speaker", () => {
  test("a flush is answered once its segment has played, not before", async () => {
    const { playback, log } = speaker();
    playback.frame(frame(2000));
    playback.frame(frame(2000));
    playback.flush();
    expect(playback.pending).toBe(true);
    expect(log).toEqual(["frame", "frame"]);
    // Its 4 s have not played.
    await Bun.sleep(50);
    expect(log).not.toContain("finished");
    playback.dispose();
  });

  test("a flush whose segment has played is answered, one finished per flush", async () => {
    const { playback, log, advance } = speaker();
    playback.frame(frame(20));
    advance(100);
    playback.flush();
    playback.flush();
    await Bun.sleep(20);
    expect(log.filter((l) => l === "finished")).toHaveLength(2);
    expect(playback.pending).toBe(false);
    expect(playback.counts).toEqual({ flushes: 2, finished: 2, clears: 0 });
  });

  test("fast playback answers at once; a clear cancels what is pending and says how much had played", async () => {
    const fast = speaker(true);
    fast.playback.frame(frame(500));
    fast.playback.flush();
    await Bun.sleep(20);
    expect(fast.log).toContain("finished");

    const cut = speaker();
    cut.playback.frame(frame(500));
    cut.playback.flush();
    cut.advance(120);
    cut.playback.clear();
    expect(cut.playback.pending).toBe(false);
    cut.advance(1000);
    await Bun.sleep(20);
    expect(cut.log).toEqual(["frame", "cleared 120"]);
  });
});

describe("what a spoken turn carries", () => {
  test("say's audio options are checked by the daemon too", () => {
    const base = { cmd: "say" as const, text: "hi", timeoutMs: 1000 };
    expect(
      parseRequest({ ...base, audio: { speed: 4, interruptAfterMs: 0, saveAudioDir: "/tmp/x" } }),
    ).toEqual({
      ...base,
      audio: { speed: 4, interruptAfterMs: 0, saveAudioDir: "/tmp/x" },
    });
    expect(parseRequest(base)).toEqual(base);
    expect(parseRequest({ ...base, audio: { speed: 0 } })).toContain("audio.speed");
    expect(parseRequest({ ...base, audio: { interruptAfterMs: -1 } })).toContain("interruptAfterMs");
    expect(parseRequest({ ...base, audio: "fast" })).toContain("must be an object");
  });

  test("the same words whatever the case and punctuation", () => {
    expect(sameWords("What's the weather in Paris", "what's the weather in Paris?")).toBe(true);
    expect(sameWords("What's the weather", "what's the weather in Paris")).toBe(false);
  });
});

describe("a heard turn, shown and judged", () => {
  const turn = (heard: string): DeliveredEvent[] => [
    { type: "message", role: "user", text: "what's the weather in Paris?", heard, at: 1 },
    { type: "message", role: "assistant", text: "The weather in Paris is sunny.", at: 2 },
  ];
  const render = (events: DeliveredEvent[]) => {
    let out = "";
    const r = new TextRenderer((t) => (out += t), colorsFor({ isTTY: false }, {}));
    for (const e of events) r.event(e);
    return out;
  };

  test("● You (heard), with what was sent beside it only when the words differ", () => {
    expect(render(turn("What's the weather in Paris"))).toStartWith(
      "\n  ● You (heard)\n    What's the weather in Paris\n\n  ● Agent",
    );
    expect(render(turn("What's the weather"))).toStartWith(
      "\n  ● You (heard)\n    What's the weather\n    (sent: what's the weather in Paris?)\n",
    );
  });

  test("heard: any-case substring or a regex, on the transcript; a failure says what was heard", () => {
    const seen = observe(turn("What's the weather in London"), 10);
    expect(heardText(seen)).toBe("What's the weather in London");
    const scenario = parseScenario(
      "audio: true\nturns:\n  - user: x\n    expect:\n      - heard: WEATHER IN LONDON\n      - heard: /in Paris$/\n",
      "t.lktest.yaml",
    );
    const check = checkTurn(scenario.turns[0]?.expectations ?? [], seen);
    expect(check.results.map((r) => r.ok)).toEqual([true, false]);
    expect(check.error?.message).toBe("expectation failed: expected the agent to hear /in Paris$/");
    expect(check.error?.detail).toContain("+ the agent heard: What's the weather in London");
  });

  test("our measurements on one line", () => {
    expect(
      audioMetricsLine({
        userMs: 1275,
        transcriptMs: 750,
        firstAudioMs: 845,
        agentMs: 3139,
        playback: { flushes: 1, finished: 0, clears: 1 },
      }),
    ).toBe("you 1.27 s · transcript +750 ms · first audio +845 ms · agent 3.14 s · playback 0/1, 1 cleared");
  });
});

describe("options", () => {
  test("start: --voice, --tts-command and --fast-playback need --audio", () => {
    const none = { audio: false, "fast-playback": false };
    expect(parseAudioArgs(none)).toBeUndefined();
    expect(() => parseAudioArgs({ ...none, voice: "en-us" })).toThrow("--voice needs --audio");
    expect(() => parseAudioArgs({ ...none, "tts-command": "x", "fast-playback": true })).toThrow(
      "--tts-command, --fast-playback need --audio",
    );
    expect(parseAudioArgs({ audio: true, voice: " en-us ", "fast-playback": true })).toEqual({
      voice: "en-us",
      fastPlayback: true,
    });
    expect(() => parseAudioArgs({ audio: true, "tts-command": " ", "fast-playback": false })).toThrow(
      "--tts-command needs a command line",
    );
  });

  test("say: --speed, --interrupt-after, --save-audio (made absolute)", () => {
    const o = say.parse(["hi", "--speed", "4", "--interrupt-after", "1.5s", "--save-audio", "out"], env());
    expect(o.audio).toEqual({ speed: 4, interruptAfterMs: 1500, saveAudioDir: `${env().cwd}/out` });
    expect(say.parse(["hi"], env()).audio).toBeUndefined();
    expect(say.parse(["hi", "--interrupt-after", "0"], env()).audio).toEqual({ interruptAfterMs: 0 });
    expect(() => say.parse(["hi", "--speed", "fast"], env())).toThrow("--speed: the speed must be a number");
    expect(() => say.parse(["hi", "--speed", "200"], env())).toThrow("from 0.25 to 100");
    expect(() => say.parse(["hi", "--interrupt-after", "soon"], env())).toThrow("--interrupt-after must be");
  });

  test("scenarios: audio: true with voice: and speed:; those without it, or a bad speed, refused", () => {
    const s = parseScenario("audio: true\nvoice: en-us\nspeed: 2\nturns:\n  - user: hi\n", "t.lktest.yaml");
    expect(s.audio).toEqual({ voice: "en-us", speed: 2 });
    expect(parseScenario("turns:\n  - user: hi\n", "t.lktest.yaml").audio).toBeUndefined();
    expect(() => parseScenario("speed: 2\nturns:\n  - user: hi\n", "t.lktest.yaml")).toThrow(
      "t.lktest.yaml:1: speed: needs `audio: true`",
    );
    expect(() => parseScenario("audio: yes please\nturns:\n  - user: hi\n", "t.lktest.yaml")).toThrow(
      "audio: expected true or false",
    );
    expect(() => parseScenario("audio: true\nspeed: 1000\nturns:\n  - user: hi\n", "t.lktest.yaml")).toThrow(
      "speed: the speed must be a number from 0.25 to 100",
    );
  });
});
