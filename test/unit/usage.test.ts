// Usage: the daemon's translation of the agent's reports, a turn's share of them, and the one line people read.

import { describe, expect, test } from "bun:test";
import { translateUsage } from "../../src/daemon/translate.ts";
import { addUsage, type ModelUsage, usageSince } from "../../src/protocol/usage.ts";
import { formatUsage } from "../../src/render/usage.ts";
import type { AgentSessionUsage, LLMModelUsage } from "../../src/wire/gen/livekit_agent_session.ts";

const llm = (over: Partial<LLMModelUsage>): AgentSessionUsage["modelUsage"][number] => ({
  usage: {
    oneofKind: "llm",
    llm: {
      provider: "openai",
      model: "gpt-4o-mini",
      inputTokens: 0,
      inputCachedTokens: 0,
      inputAudioTokens: 0,
      inputCachedAudioTokens: 0,
      inputTextTokens: 0,
      inputCachedTextTokens: 0,
      inputImageTokens: 0,
      inputCachedImageTokens: 0,
      outputTokens: 0,
      outputAudioTokens: 0,
      outputTextTokens: 0,
      sessionDuration: 0,
      ...over,
    },
  },
});
const gpt = (inputTokens: number, outputTokens: number, cachedTokens?: number): ModelUsage => ({
  kind: "llm",
  provider: "openai",
  model: "gpt-4o-mini",
  inputTokens,
  outputTokens,
  ...(cachedTokens ? { cachedTokens } : {}),
});

describe("translateUsage", () => {
  test("LLM, TTS and STT models; zero counts left out, and models with nothing counted", () => {
    const usage = translateUsage({
      modelUsage: [
        llm({ inputTokens: 10, outputTokens: 5, inputCachedTokens: 4 }),
        llm({ provider: "echo", model: "idle" }),
        {
          usage: {
            oneofKind: "tts",
            tts: {
              provider: "cartesia",
              model: "sonic-2",
              inputTokens: 0,
              outputTokens: 0,
              charactersCount: 42,
              audioDuration: 1.5,
            },
          },
        },
        {
          usage: {
            oneofKind: "stt",
            stt: {
              provider: "deepgram",
              model: "nova-3",
              inputTokens: 0,
              outputTokens: 0,
              audioDuration: 2.5,
            },
          },
        },
        { usage: { oneofKind: "eot", eot: { provider: "lk", model: "turn", totalRequests: 3 } } },
      ],
    });
    expect(usage).toEqual([
      {
        kind: "llm",
        provider: "openai",
        model: "gpt-4o-mini",
        inputTokens: 10,
        cachedTokens: 4,
        outputTokens: 5,
      },
      { kind: "tts", provider: "cartesia", model: "sonic-2", characters: 42, audioSeconds: 1.5 },
      { kind: "stt", provider: "deepgram", model: "nova-3", audioSeconds: 2.5 },
    ]);
  });
});

describe("usageSince: a turn's share of two cumulative reports", () => {
  test("per model; a model new in the turn counts whole", () => {
    const tts: ModelUsage = { kind: "tts", provider: "cartesia", model: "sonic-2", characters: 40 };
    expect(usageSince([gpt(30, 15), tts], [gpt(10, 5)])).toEqual([gpt(20, 10), tts]);
  });
  test("nothing new: undefined, never zeros", () => {
    expect(usageSince([gpt(10, 5)], [gpt(10, 5)])).toBeUndefined();
    expect(usageSince([], undefined)).toBeUndefined();
  });
  test("a count that went down (the agent started over) counts as new", () => {
    expect(usageSince([gpt(3, 1)], [gpt(10, 5)])).toEqual([gpt(3, 1)]);
  });
  test("audio seconds without float noise", () => {
    const stt = (audioSeconds: number): ModelUsage => ({
      kind: "stt",
      provider: "d",
      model: "n",
      audioSeconds,
    });
    expect(usageSince([stt(0.3)], [stt(0.1)])).toEqual([stt(0.2)]);
  });
});

describe("formatUsage", () => {
  test("tokens in → out per LLM, cached when any; TTS and STT with what they counted", () => {
    expect(formatUsage([gpt(10, 5)])).toBe("10 → 5 tokens (openai/gpt-4o-mini)");
    expect(formatUsage([gpt(12_000, 5, 4000)])).toBe("12,000 → 5 tokens, 4,000 cached (openai/gpt-4o-mini)");
    expect(
      formatUsage([
        { kind: "tts", provider: "cartesia", model: "sonic-2", characters: 42, audioSeconds: 1.5 },
        { kind: "stt", provider: "", model: "nova-3", audioSeconds: 12.4 },
      ]),
    ).toBe("TTS 42 chars, 1.5 s audio (cartesia/sonic-2) · STT 12 s audio (nova-3)");
  });
  test("nothing: an empty string", () => {
    expect(formatUsage(undefined)).toBe("");
    expect(formatUsage([])).toBe("");
  });
});

describe("addUsage: two runs' usage (each agent counts from zero) summed for end", () => {
  test("per model; a model only one run used is kept; none at all is undefined", () => {
    const llm = { kind: "llm", provider: "echo", model: "echo-1" } as const;
    const tts = { kind: "tts", provider: "x", model: "voice" } as const;
    expect(
      addUsage(
        [{ ...llm, inputTokens: 10, outputTokens: 5 }],
        [
          { ...llm, inputTokens: 20, outputTokens: 10, cachedTokens: 4 },
          { ...tts, characters: 12 },
        ],
      ),
    ).toEqual([
      { ...llm, inputTokens: 30, outputTokens: 15, cachedTokens: 4 },
      { ...tts, characters: 12 },
    ]);
    expect(addUsage(undefined, [{ ...llm, inputTokens: 1 }])).toEqual([{ ...llm, inputTokens: 1 }]);
    expect(addUsage([], undefined)).toBeUndefined();
  });
});
