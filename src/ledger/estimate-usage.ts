/**
 * Token ESTIMATES for the ledger, used only where the upstream reported no usage (a stream the
 * client abandoned before the closing usage, an upstream that omits usage) and always marked
 * `usage_estimated`. Text is counted with the o200k_base BPE (as the count_tokens estimate);
 * Anthropic requests reuse that estimator, the OpenAI shapes count the text they carry.
 */
import type { Usage } from "../canonical/types";
import { IMAGE_TOKEN_ESTIMATE, estimateAnthropicInputTokens } from "../protocols/anthropic/count-tokens";
import type { UpstreamOperation } from "../providers/endpoints";
import { createTokenCounter, type TokenCounter } from "../tokens/bounded-counter";

/** Framing tokens per Chat message (role and separators), as in OpenAI's counting recipe. */
const MESSAGE_OVERHEAD = 4;
/** Strings this long made only of base64 characters are binary payloads (base64 images, files), not prose. */
const BINARY_STRING_LENGTH = 4096;
/**
 * A base64 or base64url payload, bare or as a data: URL. "No space" alone was the test before,
 * and Chinese or Japanese prose has no spaces: a 20,000-character prompt in either counted as
 * one image's 1,600 tokens, so its budget reservation was a fraction of its cost and concurrent
 * requests could pass the budget together by far more than one request.
 */
const BASE64_PAYLOAD = /^(?:data:[^\s,]*,)?[A-Za-z0-9+/_=-]+$/;

/** Keys whose values are identifiers or enums, not text the model reads or writes. */
const NON_TEXT_KEYS = new Set(["id", "type", "role", "model", "object", "status", "finish_reason", "stop_reason", "call_id", "tool_call_id", "detail", "format", "media_type", "encoding_format", "created", "created_at"]);

export function countTextTokens(text: string): number {
  return createTokenCounter()(text);
}

/** Tokens of every text leaf under `value` (object keys that only name things are skipped). */
function countTextLeaves(value: unknown, count: TokenCounter, key?: string): number {
  // An image by URL (Chat `image_url: {url}`, Responses `image_url: "…"`) is an image to the
  // model, however short its address: counted as one, or a prompt of many linked images would
  // be estimated (and its budget reserved) as a few dozen tokens.
  if (key === "image_url" && value !== null && value !== undefined) return IMAGE_TOKEN_ESTIMATE;
  if (typeof value === "string") {
    if (key !== undefined && NON_TEXT_KEYS.has(key)) return 0;
    if (value.length >= BINARY_STRING_LENGTH && BASE64_PAYLOAD.test(value)) return IMAGE_TOKEN_ESTIMATE;
    return count(value);
  }
  if (Array.isArray(value)) {
    // An array of token ids (embeddings input) is its own count.
    if (value.length > 0 && value.every((item) => typeof item === "number")) return value.length;
    return value.reduce((sum: number, item) => sum + countTextLeaves(item, count, key), 0);
  }
  if (value && typeof value === "object") {
    let total = 0;
    for (const [childKey, child] of Object.entries(value)) total += countTextLeaves(child, count, childKey);
    return total;
  }
  return 0;
}

/** Estimated input tokens of a client request body, by the operation the client asked for. */
export function estimateInputTokens(operation: UpstreamOperation, body: Record<string, unknown>): number {
  const count = createTokenCounter();
  switch (operation) {
    case "anthropic":
    case "anthropic-count-tokens":
      return estimateAnthropicInputTokens(body, count);
    case "openai-embeddings":
      return countTextLeaves(body.input, count);
    case "openai-chat": {
      const messages = Array.isArray(body.messages) ? body.messages : [];
      // Legacy `functions` are tools the model reads like any other.
      return messages.length * MESSAGE_OVERHEAD + countTextLeaves(messages, count) + countTextLeaves(body.tools, count) + countTextLeaves(body.functions, count);
    }
    case "openai-responses":
    case "openai-responses-compact":
    case "openai-responses-input-tokens":
      return countTextLeaves(body.instructions, count) + countTextLeaves(body.input, count) + countTextLeaves(body.tools, count);
  }
}

/** Estimated output tokens of a non-streaming response body (its text leaves, usage excluded). */
export function estimateOutputTokens(responseBody: unknown): number {
  if (!responseBody || typeof responseBody !== "object") return 0;
  const { usage: _usage, ...rest } = responseBody as Record<string, unknown>;
  return countTextLeaves(rest, createTokenCounter());
}

/**
 * The usage to record when the upstream's own figures are missing or incomplete: figures the
 * upstream did report are kept (exact), the rest estimated; output never below what was
 * reported. `reported` says whether any upstream figure arrived, `final` whether the closing
 * usage (with the output count) did.
 */
export function completeUsage(reportedUsage: Usage, reported: boolean, final: boolean, estimate: { input: () => number; output: () => number }): { usage: Usage; estimated: boolean } {
  if (reported && final) return { usage: reportedUsage, estimated: false };
  if (!reported) return { usage: { ...reportedUsage, inputTokens: estimate.input(), outputTokens: estimate.output() }, estimated: true };
  return { usage: { ...reportedUsage, outputTokens: Math.max(reportedUsage.outputTokens, estimate.output()) }, estimated: true };
}
