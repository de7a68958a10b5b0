import type { ReasoningConfig } from "../../canonical/types";
import type { ModelCapabilities } from "../../translate/model-capabilities";
import { type Thinking, thinkingFormOf, thinkingRoom } from "./thinking-plan";

/**
 * P01/P02/K03: the `max_tokens` a request translated to Anthropic carries. Anthropic requires
 * one, so it is the client's cap, else the gateway's default (`gateway.default_max_tokens`), at
 * least 1 and at most what the model and its provider take; when only the default was in the
 * way, raised to make room for the thinking and an answer. One rule for the encoder
 * (request-encode.ts) and for budget reservations, which must hold whatever the upstream may
 * bill (limits/output-ceiling.ts).
 */
export interface MaxTokensBounds {
  /** `gateway.default_max_tokens`: sent when the client names no cap. */
  defaultMaxTokens: number;
  /** The model's largest output and the provider's `max_output_tokens`, the lower (model-capabilities.ts `outputCapOf`); undefined: unknown, never lowered. */
  upstreamCap: number | undefined;
  /** Told when a value is lowered to `upstreamCap` (the encoder logs it at debug). */
  lowered?: (requested: number, maximum: number) => void;
}

/** The `max_tokens` sent for the client's cap (`clientCap`, undefined when it names none) and the thinking planned. */
export function chooseMaxTokens(clientCap: number | undefined, thinking: Thinking | undefined, reasoning: ReasoningConfig | undefined, bounds: MaxTokensBounds): number {
  const chosen = fitMaxTokens(clientCap ?? bounds.defaultMaxTokens, bounds);
  // The client's own cap counts reasoning too (OpenAI's max_completion_tokens and
  // max_output_tokens do): it is kept, and the thinking budget shrinks instead (request-encode.ts).
  if (!thinking || clientCap !== undefined) return chosen;
  const room = thinkingRoom(thinking, reasoning);
  return chosen < room ? fitMaxTokens(room, bounds) : chosen;
}

/**
 * The largest `max_tokens` a request can be translated with, known before translation (budget
 * reservations): the thinking its reasoning asks for in the form the model takes
 * (thinking-plan.ts `thinkingFormOf`). Translation may still turn thinking off (a tool loop
 * whose last turn has no signed thinking, structured output emulated with a forced tool), which
 * only lowers it: never less than what is sent, equal whenever thinking goes as asked.
 */
export function mostMaxTokens(clientCap: number | undefined, reasoning: ReasoningConfig | undefined, capabilities: ModelCapabilities, bounds: MaxTokensBounds): number {
  return chooseMaxTokens(clientCap, thinkingFormOf(reasoning, capabilities), reasoning, bounds);
}

/** P02: at least 1, at most what the model and the provider take (unknown models: as asked). */
function fitMaxTokens(value: number, bounds: MaxTokensBounds): number {
  const cap = bounds.upstreamCap;
  if (cap !== undefined && value > cap) {
    bounds.lowered?.(value, cap);
    value = cap;
  }
  return Math.max(1, Math.floor(value));
}
