// Usage for people, one line: what `say --metrics`, `status` and `end` show.

import type { ModelUsage } from "../protocol/usage.ts";
import { visible } from "./visible.ts";

/** "10 → 5 tokens (openai/gpt-4o-mini) · TTS 120 chars, 3.2 s (cartesia/sonic-2)"; "" for none. */
export function formatUsage(usage: ModelUsage[] | undefined): string {
  return (usage ?? []).map(formatModel).join(" · ");
}

function formatModel(u: ModelUsage): string {
  // The agent names its models: shown, never obeyed.
  const who = visible([u.provider, u.model].filter(Boolean).join("/")) || u.kind;
  const parts: string[] = [];
  if (u.kind === "llm") {
    parts.push(`${count(u.inputTokens)} → ${count(u.outputTokens)} tokens`);
    if (u.cachedTokens) parts.push(`${count(u.cachedTokens)} cached`);
  } else {
    if (u.characters) parts.push(`${count(u.characters)} chars`);
    if (u.audioSeconds) parts.push(`${formatAudio(u.audioSeconds)} audio`);
    if (u.inputTokens || u.outputTokens)
      parts.push(`${count(u.inputTokens)} → ${count(u.outputTokens)} tokens`);
  }
  const label = u.kind === "llm" ? "" : `${u.kind.toUpperCase()} `;
  return `${label}${parts.join(", ")} (${who})`;
}

function count(n: number | undefined): string {
  return (n ?? 0).toLocaleString("en-US");
}

function formatAudio(seconds: number): string {
  return seconds >= 10 ? `${seconds.toFixed(0)} s` : `${seconds.toFixed(1)} s`;
}
