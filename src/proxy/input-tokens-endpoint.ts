/**
 * POST /v1/responses/input_tokens (the openai SDK's `client.responses.inputTokens.count()`): a
 * Responses create request in, `{"object":"response.input_tokens","input_tokens":N}` out.
 *
 * It runs the normal request path (handle-request.ts) as its own operation, so routing, aliases,
 * failover, auth and the ledger row are those of every model call, and `previous_response_id`
 * is expanded from the response store exactly as for POST /v1/responses (never stored: a count
 * makes no response). How each kind of upstream counts: input-tokens.ts.
 */
import { GatewayError } from "../errors/gateway-error";
import { checkResponsesRequest } from "../protocols/openai-responses/request-checks";
import { handleModelRequest } from "./handle-request";
import type { ModelRequest, ProxyDeps } from "./types";

/** The route handler: refuses what OpenAI refuses at the top level, then counts on the routed model. */
export function serveInputTokensEndpoint(request: ModelRequest, deps: ProxyDeps): Promise<Response> {
  checkInputTokensRequest(request.body);
  return handleModelRequest(request, deps);
}

/**
 * The top-level field types OpenAI checks before counting (a 400 in its words), on every route:
 * a native upstream would refuse the same body, and a translated one must not count a body
 * whose fields the translation would read wrongly. Items are checked where they are decoded.
 */
export function checkInputTokensRequest(body: Record<string, unknown>): void {
  const input = body.input;
  if (input !== undefined && input !== null && typeof input !== "string" && !Array.isArray(input)) {
    throw new GatewayError("invalid_request", 400, `Invalid type for 'input': expected a string or an array of items, but got ${Array.isArray(input) ? "array" : typeof input} instead.`, { param: "input" });
  }
  checkResponsesRequest(body);
}

