import type { Protocol } from "../canonical/types";
import type { UpstreamOperation } from "../providers/endpoints";

/** The wire protocol an operation belongs to (side endpoints belong to their API's protocol). */
export function protocolOfOperation(operation: UpstreamOperation): Protocol {
  if (operation === "openai-embeddings") return "openai-chat";
  if (operation === "anthropic-count-tokens") return "anthropic";
  if (operation === "openai-responses-compact" || operation === "openai-responses-input-tokens") return "openai-responses";
  return operation;
}

/**
 * Whether the operation counts a prompt instead of running it (Anthropic's count_tokens, the
 * Responses API's input_tokens): it spends no tokens, so it has no usage, no output cap and no
 * place under rate limits or budgets.
 */
export function countsTokens(operation: UpstreamOperation): operation is "anthropic-count-tokens" | "openai-responses-input-tokens" {
  return operation === "anthropic-count-tokens" || operation === "openai-responses-input-tokens";
}

/** The upstream operation that serves `operation` on an upstream speaking `upstreamProtocol`. */
export function upstreamOperationFor(operation: UpstreamOperation, upstreamProtocol: Protocol): UpstreamOperation {
  if (operation === "openai-embeddings" || operation === "anthropic-count-tokens") return operation;
  // Only a Responses upstream has /responses/compact; other routes never send this operation upstream.
  if (operation === "openai-responses-compact") return upstreamProtocol === "openai-responses" ? operation : upstreamProtocol;
  // Claude counts with count_tokens; a Chat upstream has no counting endpoint, and is never sent
  // this operation (the gateway estimates, input-tokens.ts).
  if (operation === "openai-responses-input-tokens") return upstreamProtocol === "anthropic" ? "anthropic-count-tokens" : upstreamProtocol === "openai-responses" ? operation : upstreamProtocol;
  return upstreamProtocol;
}

/** Whether the operation streams (only the three conversation APIs do). */
export function wantsStream(operation: UpstreamOperation, body: Record<string, unknown>): boolean {
  return (operation === "openai-chat" || operation === "openai-responses" || operation === "anthropic") && body.stream === true;
}
