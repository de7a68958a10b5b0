import type { StopReason, Usage } from "../../canonical/types";
import type { AnthropicUsage } from "./wire-types";
import { fromAnthropicServiceTier, toAnthropicUsageTier } from "../../canonical/service-tier";

/**
 * Anthropic `input_tokens` excludes cache reads and writes; the canonical `inputTokens`
 * counts every prompt token (N03/N04). These two functions are the only place that sum
 * and split happen for Anthropic. `earlier`: the usage a stream reported before this event.
 */
export function decodeAnthropicUsage(usage: AnthropicUsage | null | undefined, earlier?: Partial<Usage>): Partial<Usage> {
  if (!usage) return {};
  const out: Partial<Usage> = {};
  const uncached = numberOrUndefined(usage.input_tokens);
  const cacheRead = numberOrUndefined(usage.cache_read_input_tokens);
  const cacheWrite = numberOrUndefined(usage.cache_creation_input_tokens);
  // A stream's usage is cumulative: a message_delta that repeats input_tokens but leaves the
  // cache counts out (null, or absent on Anthropic-compatible servers) has not changed them, so
  // the total keeps message_start's (it used to drop them, and every cached token went uncounted).
  const read = cacheRead ?? earlier?.cacheReadTokens ?? 0;
  const written = cacheWrite ?? earlier?.cacheWriteTokens ?? 0;
  if (uncached !== undefined) out.inputTokens = uncached + read + written;
  if (cacheRead !== undefined) out.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) out.cacheWriteTokens = cacheWrite;
  const output = numberOrUndefined(usage.output_tokens);
  if (output !== undefined) out.outputTokens = output;
  const thinking = numberOrUndefined(usage.output_tokens_details?.thinking_tokens);
  if (thinking !== undefined) out.reasoningTokens = thinking;
  const searches = numberOrUndefined(usage.server_tool_use?.web_search_requests);
  if (searches) out.webSearchRequests = searches;
  return out;
}

/**
 * Canonical usage → Anthropic usage: `input_tokens` = prompt − cache reads − cache writes (N04).
 * An upstream's reasoning tokens (OpenAI `reasoning_tokens`) are Anthropic's
 * `output_tokens_details.thinking_tokens`, part of `output_tokens` on both sides (K11); the
 * field is left out when none were reported, as a model that did not think reports none.
 * Web searches run by the upstream are `server_tool_use.web_search_requests` (S09; Claude
 * Code's WebSearch reports "Did N searches" from the result blocks, and billing counts them here).
 * The tier that served the answer, when the upstream said, is `service_tier` in Anthropic's words
 * (service-tier.ts).
 */
export function encodeAnthropicUsage(
  usage: Usage,
  serviceTier?: string,
): Required<Pick<AnthropicUsage, "input_tokens" | "output_tokens" | "cache_read_input_tokens" | "cache_creation_input_tokens">> & Pick<AnthropicUsage, "output_tokens_details" | "server_tool_use" | "service_tier"> {
  const tier = toAnthropicUsageTier(serviceTier);
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    ...(usage.reasoningTokens > 0 ? { output_tokens_details: { thinking_tokens: usage.reasoningTokens } } : {}),
    ...(usage.webSearchRequests ? { server_tool_use: { web_search_requests: usage.webSearchRequests } } : {}),
    ...(tier ? { service_tier: tier } : {}),
  };
}

const STOP_REASONS = new Set<StopReason>([
  "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "content_filter",
  "model_context_window_exceeded",
]);

/** Anthropic `stop_reason` → canonical; unknown or null counts as end_turn (N02). */
export function decodeAnthropicStopReason(value: string | null | undefined): StopReason {
  return value && STOP_REASONS.has(value as StopReason) ? (value as StopReason) : "end_turn";
}

/** Canonical → Anthropic `stop_reason`: `content_filter` is not an Anthropic value, `refusal` is (N02). */
export function encodeAnthropicStopReason(reason: StopReason): string {
  return reason === "content_filter" ? "refusal" : reason;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The tier Anthropic says served the answer (`usage.service_tier`), in OpenAI's words. */
export function serviceTierOf(usage: unknown): { serviceTier?: string } {
  const tier = fromAnthropicServiceTier(usage && typeof usage === "object" ? (usage as Record<string, unknown>).service_tier : undefined);
  return tier ? { serviceTier: tier } : {};
}
