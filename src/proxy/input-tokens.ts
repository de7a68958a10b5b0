/**
 * How POST /v1/responses/input_tokens (input-tokens-endpoint.ts) counts, per upstream:
 * - an OpenAI Responses upstream counts it itself: the body is forwarded to /responses/input_tokens;
 *   an OpenAI-compatible server without that endpoint (404 or 405) gets the gateway's estimate of
 *   the Responses body it was sent, with the same tokenizer as for Chat-only upstreams;
 * - Claude counts it with Anthropic's /v1/messages/count_tokens, the request translated to
 *   Messages as POST /v1/responses would be (same system prompt, tools and thinking), then
 *   narrowed to the fields count_tokens takes;
 * - a Chat-only upstream has no counting endpoint: the gateway estimates the Chat request it
 *   would send, with the ledger's tokenizer estimate (estimate-usage.ts), as count_tokens does
 *   for models served outside Anthropic.
 */
import { GatewayError } from "../errors/gateway-error";
import { loadEstimators } from "../ledger/estimators-lazy";
import type { RouteTarget } from "../routing/router";

/** The object type of the answer (OpenAI's `ResponseInputTokensCountResponse`). */
const INPUT_TOKENS_OBJECT = "response.input_tokens";

/**
 * The request fields Anthropic's count_tokens takes (its API reference, "Count tokens in a
 * Message"); it refuses the Messages fields that only shape generation (max_tokens, stream,
 * temperature, metadata, stop_sequences...) as extra inputs.
 */
const COUNT_TOKENS_FIELDS = ["model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers", "context_management", "output_config", "output_format"] as const;

/** Whether the gateway counts for this target itself: a Chat upstream has no counting endpoint. */
export function countedByGateway(target: Readonly<RouteTarget>): boolean {
  return target.provider !== "loopback" && target.upstreamProtocol === "openai-chat";
}

/** The translated Messages body narrowed to what count_tokens takes. */
export function countTokensBodyOf(messagesBody: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of COUNT_TOKENS_FIELDS) if (messagesBody[field] !== undefined) body[field] = messagesBody[field];
  return body;
}

/** Anthropic's count_tokens answer (`{input_tokens}`) in OpenAI's shape; anything else is an upstream fault. */
export function inputTokensAnswerOf(countTokensAnswer: unknown): Record<string, unknown> {
  const count = (countTokensAnswer as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof count !== "number" || !Number.isFinite(count)) throw new GatewayError("upstream_error", 502, "upstream count_tokens answer has no input_tokens count");
  return inputTokensAnswer(count);
}

/**
 * Whether a Responses upstream's refusal of /responses/input_tokens means the server has no such
 * endpoint (an OpenAI-compatible host that serves /responses alone), not that the request is
 * wrong: a 404 or 405 that is not about the model. The gateway then counts itself.
 */
export function lacksCountingEndpoint(target: Readonly<RouteTarget>, error: GatewayError): boolean {
  if (target.upstreamProtocol !== "openai-responses" || target.provider === "loopback") return false;
  return (error.status === 404 || error.status === 405) && error.upstreamCode !== "model_not_found";
}

export function inputTokensAnswer(inputTokens: number): Record<string, unknown> {
  return { object: INPUT_TOKENS_OBJECT, input_tokens: inputTokens };
}

/**
 * The gateway's estimate for a Chat-only upstream: the Chat request the translation built (the
 * instructions as its system message, the stored history spliced in, tools as functions), counted
 * as the ledger counts a Chat prompt. An ESTIMATE (o200k_base), documented as such.
 */
export async function estimateChatInputTokens(chatBody: Record<string, unknown>): Promise<number> {
  const estimators = await loadEstimators();
  return estimators.estimateInputTokens("openai-chat", chatBody);
}

/** The gateway's estimate of a Responses body (instructions, input, tools), for a server that cannot count it. */
export async function estimateResponsesInputTokens(responsesBody: Record<string, unknown>): Promise<number> {
  const estimators = await loadEstimators();
  return estimators.estimateInputTokens("openai-responses-input-tokens", responsesBody);
}
