// What the agent's models used (tokens, characters, audio), as the daemon keeps and reports it.
// Agents send it CUMULATIVE for the session (session_usage_updated): a turn's share is a difference.

/** One model's usage. Counts that are zero are left out, and a model with none at all is too. */
export interface ModelUsage {
  kind: "llm" | "tts" | "stt";
  provider: string;
  model: string;
  /** LLM: prompt tokens (cached ones included); TTS/STT: tokens, when the provider counts them. */
  inputTokens?: number;
  /** LLM: prompt tokens served from the provider's cache. */
  cachedTokens?: number;
  /** LLM: completion tokens. */
  outputTokens?: number;
  /** TTS: characters synthesized. */
  characters?: number;
  /** TTS: audio produced; STT: audio transcribed. */
  audioSeconds?: number;
}

const COUNTS = ["inputTokens", "cachedTokens", "outputTokens", "characters", "audioSeconds"] as const;

/** A usage entry with its zero counts removed; undefined when nothing is left. */
export function nonZero(entry: ModelUsage): ModelUsage | undefined {
  const out: ModelUsage = { kind: entry.kind, provider: entry.provider, model: entry.model };
  let any = false;
  for (const key of COUNTS) {
    const value = entry[key];
    if (value === undefined || value === 0) continue;
    out[key] = key === "audioSeconds" ? Math.round(value * 1000) / 1000 : value;
    any = true;
  }
  return any ? out : undefined;
}

/**
 * What `after` adds to `before` (two cumulative reports), per model; undefined when nothing.
 * A count that went down means the agent started counting again: the new figure is all new.
 */
export function usageSince(after: ModelUsage[], before: ModelUsage[] = []): ModelUsage[] | undefined {
  const same = (a: ModelUsage, b: ModelUsage) =>
    a.kind === b.kind && a.provider === b.provider && a.model === b.model;
  const out: ModelUsage[] = [];
  for (const entry of after) {
    const earlier = before.find((b) => same(b, entry));
    const diff: ModelUsage = { kind: entry.kind, provider: entry.provider, model: entry.model };
    for (const key of COUNTS) {
      const now = entry[key] ?? 0;
      const then = earlier?.[key] ?? 0;
      diff[key] = now >= then ? now - then : now;
    }
    const kept = nonZero(diff);
    if (kept) out.push(kept);
  }
  return out.length ? out : undefined;
}

/** Two runs' usage together (each run's agent counts from zero), per model; undefined when neither has any. */
export function addUsage(a: ModelUsage[] | undefined, b: ModelUsage[] | undefined): ModelUsage[] | undefined {
  if (!a?.length) return b?.length ? b : undefined;
  if (!b?.length) return a;
  const out = a.map((entry) => ({ ...entry }));
  for (const entry of b) {
    const same = out.find(
      (o) => o.kind === entry.kind && o.provider === entry.provider && o.model === entry.model,
    );
    if (!same) {
      out.push({ ...entry });
      continue;
    }
    for (const key of COUNTS) {
      if (entry[key] !== undefined) same[key] = (same[key] ?? 0) + (entry[key] as number);
    }
  }
  return out.flatMap((entry) => nonZero(entry) ?? []);
}
