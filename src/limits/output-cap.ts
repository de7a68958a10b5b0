/**
 * The most output tokens a request can produce, for its budget reservation: the client's own
 * cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, whichever its protocol
 * uses; the smallest when several are sent), else the configured default. Embeddings and
 * count_tokens produce none.
 */
import type { UpstreamOperation } from "../providers/endpoints";

const CAP_FIELDS: Partial<Record<UpstreamOperation, string[]>> = {
  "openai-chat": ["max_completion_tokens", "max_tokens"],
  "openai-responses": ["max_output_tokens"],
  "openai-responses-compact": ["max_output_tokens"],
  anthropic: ["max_tokens"],
};

export function outputCapOf(operation: UpstreamOperation, body: Record<string, unknown>, defaultCap: number): number {
  if (operation === "openai-embeddings" || operation === "anthropic-count-tokens") return 0;
  let cap: number | undefined;
  for (const field of CAP_FIELDS[operation] ?? []) {
    const value = body[field];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) cap = Math.min(cap ?? Infinity, Math.ceil(value));
  }
  return cap ?? defaultCap;
}
