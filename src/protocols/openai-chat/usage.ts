import type { StopReason, Usage } from "../../canonical/types";
import { chatOutputTokens } from "../../canonical/usage";
import type { ChatUsage } from "./wire-types";

/** Chat usage → canonical. `prompt_tokens` already includes cached tokens (N04). */
export function decodeChatUsage(usage: ChatUsage | null | undefined): Partial<Usage> {
  if (!usage) return {};
  const out: Partial<Usage> = {};
  if (isNumber(usage.prompt_tokens)) out.inputTokens = usage.prompt_tokens;
  const reasoning = number(usage.completion_tokens_details?.reasoning_tokens);
  // xAI counts reasoning beside completion_tokens, OpenAI inside them (chatOutputTokens).
  const output = chatOutputTokens(number(usage.prompt_tokens), number(usage.completion_tokens), reasoning, number(usage.total_tokens));
  if (output !== undefined) out.outputTokens = output;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (isNumber(cached)) out.cacheReadTokens = cached;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  if (isNumber(written)) out.cacheWriteTokens = written;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

/** Canonical → Chat usage (N03): prompt = every input token, cached ones reported inside it. */
export function encodeChatUsage(usage: Usage): Record<string, unknown> {
  const promptDetails: Record<string, number> = { cached_tokens: usage.cacheReadTokens };
  // N03: cache writes have no standard OpenAI field; OpenRouter's name is used when non-zero.
  if (usage.cacheWriteTokens > 0) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/** N02: Chat finish_reason → canonical stop reason (null or unknown → end_turn). */
export function decodeFinishReason(reason: string | null | undefined): StopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    // Mistral: the conversation reached the model's context window.
    case "model_length":
      return "model_context_window_exceeded";
    default:
      return "end_turn";
  }
}

/**
 * Finish reasons that say the answer was cut by the server, not finished by the model: DeepSeek's
 * `insufficient_system_resource` (its inference system ran out of capacity mid-answer) and
 * Mistral's `error`. Read as a normal stop, the client took half an answer (or half a tool call's
 * arguments) as the whole; as an overload, Claude Code and Codex retry it.
 */
export function interruptedFinishMessage(reason: string | null | undefined): string | undefined {
  if (reason === "insufficient_system_resource") return "the upstream interrupted its answer: insufficient system resource (finish_reason insufficient_system_resource)";
  if (reason === "error") return "the upstream interrupted its answer with an error (finish_reason error)";
  return undefined;
}

/** N01: canonical stop reason → Chat finish_reason. */
export function encodeFinishReason(reason: StopReason): string {
  switch (reason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
    case "content_filter":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn.
      return "stop";
  }
}

/** N07: when choices disagree, the strongest reason wins (tool_calls > length > stop). */
export function pickStrongerStopReason(current: StopReason | undefined, next: StopReason): StopReason {
  const rank = (r: StopReason | undefined): number => (r === "tool_use" ? 4 : r === "refusal" ? 3 : r === "max_tokens" ? 2 : r ? 1 : 0);
  return rank(next) > rank(current) ? next : (current ?? next);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function number(value: unknown): number | undefined {
  return isNumber(value) ? value : undefined;
}
