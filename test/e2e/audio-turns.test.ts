// The audio mode through dist/lk with the real audio echo agent (silero VAD, pocketsphinx, tone TTS):
// a turn spoken and heard, faster pacing, the turn's audio saved, and an end that leaves nothing of
// the agent running (its health server included). One session for the file: the agent takes ~1.3 s
// to connect and ~2.3 s to stop.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../src/agent/pids.ts";
import { decodeWav } from "../../src/audio/wav.ts";
import { portIsOpen } from "../../src/control/client.ts";
import { listeningPorts, processTree } from "../helpers/listening.ts";
import { cleanupAll, portIsFree, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { AUDIO_AGENT, ECHO_GREETING, requireAudioAgent } from "../helpers/real-agents.ts";

const SLOW = 120_000;
/** The tone TTS of the agent: this long per character of a reply. */
const TONE_MS = 50;

type Json = Record<string, unknown>;
interface AudioJson {
  userMs: number;
  transcriptMs: number;
  firstAudioMs: number;
  agentMs: number;
  playback: { flushes: number; finished: number; clears: number };
}

function result(run: RunResult): Json {
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as Json;
}

/** The WAV's rate, channels and length in ms, by the project's own reader. */
function wav(path: string): { sampleRate: number; channels: number; ms: number } {
  const pcm = decodeWav(new Uint8Array(readFileSync(path)));
  const frames = pcm.samples.length / pcm.channels;
  return { sampleRate: pcm.sampleRate, channels: pcm.channels, ms: (frames * 1000) / pcm.sampleRate };
}

describe("an audio session with the real audio echo agent", () => {
  let box: Sandbox;
  let tree: number[] = [];
  let ports: number[] | undefined;
  let heardAtRealTime = "";

  beforeAll(async () => {
    requireAudioAgent();
    box = await Sandbox.create();
  });
  afterAll(cleanupAll);

  test(
    "start --audio turns the agent's audio on: its greeting is spoken and played, status shows the mode",
    async () => {
      const start = await box.session(["start", "agent.py", "--audio"], {
        cwd: AUDIO_AGENT.dir,
        env: { ECHO_AUDIO_TONE_MS: String(TONE_MS) },
      });
      expect(start.code).toBe(0);
      expect(start.stdout).toMatch(
        /Audio mode: each turn spoken with .+; the agent's speech played at real time/,
      );
      // The greeting reaches the chat only once its playback was acknowledged: start waited for it.
      expect(start.stdout).toContain(`● Agent\n    ${ECHO_GREETING}`);
      expect(start.stdout).toContain("Session started.");

      const status = await box.session(["status"]);
      expect(status.stdout).toMatch(
        /mode: +audio: turns spoken with .+; the agent's speech played at real time/,
      );
      const json = result(await box.session(["status", "--json"])).status as Json;
      expect(json.mode).toBe("audio");
      expect(json.audio).toMatchObject({ fastPlayback: false });
      tree = processTree(json.agentPid as number);
      // The agent's own health server: one process on two random ports, all interfaces.
      ports = listeningPorts(tree);
      if (ports) expect(ports.length).toBeGreaterThan(0);
    },
    SLOW,
  );

  test(
    "a weather turn spoken at real time: heard, the tool called with the heard city, the reply, what our side measured",
    async () => {
      const say = await box.session(["say", "what's the weather in Paris", "--json"]);
      expect(say.code).toBe(0);
      const r = result(say);
      expect(r.heard).toMatch(/^what's the weather in paris$/i);
      heardAtRealTime = r.heard as string;
      const events = r.events as Json[];
      const user = events.find((e) => e.type === "message" && e.role === "user");
      // The session's first turn: every event of it says so, the heard user message too.
      expect(user).toMatchObject({ text: "what's the weather in Paris", heard: r.heard, turn: 1 });
      expect(events.every((e) => e.turn === 1)).toBe(true);
      const call = events.find((e) => e.type === "tool_call") as Json;
      expect(call.name).toBe("lookup_weather");
      expect(JSON.parse(call.arguments as string)).toEqual({ location: "Paris" });
      expect(r.reply).toBe("The weather in Paris is sunny with a temperature of 70 degrees.");
      expect(r.silent).toBe(false);
      const audio = r.audio as AudioJson;
      expect(audio.userMs).toBeGreaterThan(0);
      expect(audio.transcriptMs).toBeGreaterThan(0);
      // The caller hears the reply only after the agent has the transcript.
      expect(audio.firstAudioMs).toBeGreaterThan(audio.transcriptMs);
      expect(audio.agentMs).toBeGreaterThan(0);
      // Its one speech segment was flushed, and acknowledged once it had played.
      expect(audio.playback).toEqual({ flushes: 1, finished: 1, clears: 0 });
    },
    SLOW,
  );

  test(
    "--speed 4 streams the same speech four times faster: the same transcript",
    async () => {
      const say = await box.session(["say", "what's the weather in Paris", "--speed", "4", "--json"]);
      expect(say.code).toBe(0);
      const r = result(say);
      expect(r.heard).toBe(heardAtRealTime);
      expect((r.audio as AudioJson).playback.finished).toBe(1);
    },
    SLOW,
  );

  test(
    "say --metrics --save-audio: the heard line, our measurements beside the agent's, two WAVs that parse",
    async () => {
      const dir = join(tempDir("lk-audio-"), "saved", "turns");
      const say = await box.session([
        "say",
        "what's the weather in London",
        "--speed",
        "4",
        "--metrics",
        "--save-audio",
        dir,
      ]);
      expect(say.code).toBe(0);
      expect(say.stdout).toMatch(/● You \(heard\)\n {4}What's the weather in London\n/i);
      expect(say.stdout).toMatch(/● function_tool: lookup_weather \{"location": ?"London"\}/);
      const reply = "The weather in London is sunny with a temperature of 70 degrees.";
      expect(say.stdout).toContain(`● Agent\n    ${reply}`);
      // The agent's own metrics, then ours.
      expect(say.stdout).toMatch(/ttft .* · turn /);
      const ours =
        /audio: you ([\d.]+) (ms|s) · transcript \+[\d.]+ m?s · first audio \+[\d.]+ m?s · agent [\d.]+ m?s · playback 1\/1\n/.exec(
          say.stdout,
        );
      expect(ours).not.toBeNull();
      // The session's third turn (one count for typed and spoken turns): its files, its log's marker.
      const user = join(dir, "turn-3-user.wav");
      const agent = join(dir, "turn-3-agent.wav");
      expect(say.stdout).toContain(`saved: ${user}, ${agent}`);
      const userWav = wav(user);
      const agentWav = wav(agent);
      expect([userWav.sampleRate, userWav.channels, agentWav.sampleRate, agentWav.channels]).toEqual([
        48000, 1, 48000, 1,
      ]);
      // The speech as sent, then its second of silence; the agent's tone, 50 ms per character.
      const speechMs = Number(ours?.[1]) * (ours?.[2] === "s" ? 1000 : 1);
      expect(Math.abs(userWav.ms - (speechMs + 1000))).toBeLessThan(50);
      expect(Math.abs(agentWav.ms - reply.length * TONE_MS)).toBeLessThan(reply.length * TONE_MS * 0.05);
      const logs = await box.session(["logs", "--last-turn"]);
      expect(logs.code).toBe(0);
      expect(logs.stdout).toContain(`── turn 3: "what's the weather in London" ──`);
    },
    SLOW,
  );

  test(
    "end leaves nothing running: the agent's process tree is gone and its health server's ports are closed",
    async () => {
      expect(tree.length).toBeGreaterThan(0);
      const end = await box.session(["end"]);
      expect(end.code).toBe(0);
      expect(end.stdout).toContain("Session ended.");
      expect(end.stdout).toMatch(/turns: +3\n/);
      for (const pid of tree) expect(isAlive(pid)).toBe(false);
      for (const port of ports ?? []) expect(await portIsOpen(port)).toBe(false);
      expect(await portIsFree(box.port)).toBe(true);
    },
    SLOW,
  );
});
