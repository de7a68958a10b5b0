import type { StopReason, Usage } from "../../canonical/types";
import { emptyUsage } from "../../canonical/usage";
import type { ResponsesUsage } from "./wire-types";
import { isRecord, readNumber, readString } from "./values";

/**
 * Canonical usage → Responses usage (N03, N05, K11). Canonical `inputTokens` already counts
 * cache reads and writes (OpenAI semantics); reasoning tokens are inside `output_tokens`,
 * never added on top.
 */
export function encodeResponsesUsage(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** Responses usage → canonical, lenient (N04: cached tokens are part of input_tokens). */
export function decodeResponsesUsage(value: unknown): Partial<Usage> | undefined {
  if (!isRecord(value)) return undefined;
  const usage: Partial<Usage> = {};
  const input = readNumber(value.input_tokens);
  if (input !== undefined) usage.inputTokens = input;
  const output = readNumber(value.output_tokens);
  if (output !== undefined) usage.outputTokens = output;
  const cached = isRecord(value.input_tokens_details) ? readNumber(value.input_tokens_details.cached_tokens) : undefined;
  if (cached !== undefined) usage.cacheReadTokens = cached;
  const reasoning = isRecord(value.output_tokens_details) ? readNumber(value.output_tokens_details.reasoning_tokens) : undefined;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

export function toFullUsage(partial: Partial<Usage> | undefined): Usage {
  return { ...emptyUsage(), ...partial };
}

export interface ResponsesStatus {
  status: "completed" | "incomplete";
  incompleteDetails: { reason: string } | null;
}

/** Stop reason → Responses status (N01): truncation and filtering are `incomplete`, never `completed`. */
export function encodeResponsesStatus(stopReason: StopReason): ResponsesStatus {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return { status: "incomplete", incompleteDetails: { reason: "max_output_tokens" } };
    case "refusal":
    case "content_filter":
      return { status: "incomplete", incompleteDetails: { reason: "content_filter" } };
    default:
      return { status: "completed", incompleteDetails: null };
  }
}

/**
 * Whether the output was cut off by the token limit (upstream `max_tokens` / `length`). The
 * item the model was writing then never finished: OpenAI reports that last item `incomplete`,
 * not `completed`, so a client can tell a cut message or half-written call from a whole one.
 * Content filtering is left out: a Chat `refusal` maps to it too and is a whole message.
 */
export function cutByTokenLimit(stopReason: StopReason | undefined): boolean {
  return stopReason === "max_tokens" || stopReason === "model_context_window_exceeded";
}

/** Responses status → stop reason (N02): any tool call in the output means `tool_use`. */
export function decodeResponsesStatus(status: unknown, incompleteDetails: unknown, hasToolCall: boolean): StopReason {
  if (status === "incomplete") {
    const reason = isRecord(incompleteDetails) ? readString(incompleteDetails.reason) : undefined;
    if (reason === "content_filter") return "refusal";
    return "max_tokens";
  }
  return hasToolCall ? "tool_use" : "end_turn";
}
