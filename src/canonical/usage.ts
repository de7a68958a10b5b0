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
