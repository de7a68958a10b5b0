import { MODEL_KEY_PATTERN } from "./schema";
import type { ModelOverride, SourcedValue } from "./types";

/**
 * The operator's `[models."<name or pattern>"]` tables, in the order first seen: what a model
 * the built-in family table does not know takes (a self-hosted model, a release newer than this
 * build). Unset keys stay undefined, so the family table still answers for them.
 */
export function buildModelOverrides(entries: Map<string, SourcedValue>): ModelOverride[] {
  const byPattern = new Map<string, ModelOverride>();
  for (const [key, entry] of entries) {
    const match = MODEL_KEY_PATTERN.exec(key);
    if (!match) continue;
    const pattern = match[1]!;
    const override = byPattern.get(pattern) ?? { pattern };
    if (match[2] === "max_output_tokens") override.maxOutputTokens = entry.value as number;
    if (match[2] === "context_window") override.contextWindow = entry.value as number;
    if (match[2] === "thinking") override.thinking = entry.value as boolean;
    if (match[2] === "expose_reasoning") override.exposeReasoning = entry.value as boolean;
    byPattern.set(pattern, override);
  }
  return [...byPattern.values()];
}
