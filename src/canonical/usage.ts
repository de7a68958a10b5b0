import type { Usage } from "./types";

/** A usage record with every counter at zero. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** Overlay the known fields of `update` on `base`: streams report usage piecemeal. */
export function mergeUsage(base: Usage, update: Partial<Usage> | undefined): Usage {
  if (!update) return base;
  const merged = { ...base };
  for (const key of Object.keys(update) as Array<keyof Usage>) {
    const value = update[key];
    if (typeof value === "number" && Number.isFinite(value)) merged[key] = value;
  }
  return merged;
}

/**
 * Chat `completion_tokens` with the reasoning the provider counted beside it. OpenAI counts
 * reasoning inside completion_tokens (N04, K11); xAI reports it beside them, so that
 * total = prompt + completion + reasoning, and a Grok answer that thought 2,000 tokens showed a
 * handful of output tokens (to Claude Code, and to the ledger's cost). Only that exact sum
 * moves the reasoning in; any other shape is taken as OpenAI's.
 */
export function chatOutputTokens(prompt: number | undefined, completion: number | undefined, reasoning: number | undefined, total: number | undefined): number | undefined {
  if (completion === undefined || !reasoning || prompt === undefined || total === undefined) return completion;
  return prompt + completion + reasoning === total ? completion + reasoning : completion;
}
