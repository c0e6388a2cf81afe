// The one line `say --metrics` ends a turn with: latency, usage, and how long the turn took.

import type { AudioMeasures } from "../protocol/audio.ts";
import type { SayData } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { formatUsage } from "./usage.ts";

/** "412 ms", "2.4 ms", "1.31 s". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * "ttft 412 ms · e2e 1.31 s · 10 → 5 tokens (openai/gpt-4o-mini) · turn 1.42 s": latency of the
 * turn's first reply that has metrics, the turn's usage, its duration. Only what the agent sent.
 */
export function metricsLine(events: DeliveredEvent[], data: SayData): string {
  const reply = events.find(
    (e): e is Extract<DeliveredEvent, { type: "message" }> =>
      e.type === "message" && e.role === "assistant" && !e.earlier && e.metrics !== undefined,
  );
  const m = reply?.metrics ?? {};
  return [
    m.llmTtftMs !== undefined ? `ttft ${formatMs(m.llmTtftMs)}` : "",
    m.ttsTtfbMs !== undefined ? `tts ${formatMs(m.ttsTtfbMs)}` : "",
    m.e2eLatencyMs !== undefined ? `e2e ${formatMs(m.e2eLatencyMs)}` : "",
    formatUsage(data.usage),
    `turn ${formatMs(data.turnMs)}`,
  ]
    .filter(Boolean)
    .join(" · ");
}

/**
 * "you 1.28 s · transcript +750 ms · first audio +845 ms · agent 3.14 s · playback 1/1": an audio
 * turn as our side measured it; + is after the end of the user's speech (first audio: the latency
 * the caller hears), playback is segments acknowledged of those the agent flushed.
 */
export function audioMetricsLine(audio: AudioMeasures): string {
  const { flushes, finished, clears } = audio.playback;
  return [
    `you ${formatMs(audio.userMs)}`,
    audio.transcriptMs !== undefined ? `transcript +${formatMs(audio.transcriptMs)}` : "no transcript",
    audio.firstAudioMs !== undefined ? `first audio +${formatMs(audio.firstAudioMs)}` : "no agent audio",
    `agent ${formatMs(audio.agentMs)}`,
    `playback ${finished}/${flushes}${clears ? `, ${clears} cleared` : ""}`,
  ].join(" · ");
}
