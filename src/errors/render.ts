import type { Protocol } from "../canonical/types";
import { requestIdHeaders } from "../http/request-id-headers";
import type { SseEvent } from "../streaming/sse-event";
import { anthropicErrorShape } from "./anthropic-shape";
import type { GatewayError } from "./gateway-error";
import { openAiErrorShape } from "./openai-shape";

/**
 * Renders the one error catalogue in the caller's protocol. The mappings live in
 * `anthropic-shape.ts` and `openai-shape.ts`; the protocol codecs use the same two, so a
 * failure looks the same whether the gateway or a translated upstream raised it.
 */

export function openaiErrorBody(error: GatewayError): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const shape = openAiErrorShape(error);
  return { error: { message: shape.message, type: shape.type, param: shape.param, code: shape.code } };
}

/**
 * Anthropic's error body. Its API also puts the request id at the top level (`request_id`, the
 * value of the `request-id` header) "for easier tracking and debugging"
 * (https://docs.anthropic.com/en/api/errors): given the id, the body carries the header's.
 */
export function anthropicErrorBody(error: GatewayError, requestId?: string): { type: "error"; error: { type: string; message: string; details?: Readonly<Record<string, unknown>> }; request_id?: string } {
  const shape = anthropicErrorShape(error);
  // `details` (`error_code` and its fields): what the SDKs read to choose a fallback (thread-field.ts).
  const body = { type: "error" as const, error: { type: shape.type, message: shape.message, ...(error.details ? { details: error.details } : {}) } };
  return requestId ? { ...body, request_id: requestId } : body;
}

/** The error body in the caller's protocol (Responses and embeddings clients use the OpenAI shape). */
export function errorBody(protocol: Protocol, error: GatewayError, requestId?: string): unknown {
  return protocol === "anthropic" ? anthropicErrorBody(error, requestId) : openaiErrorBody(error);
}

/** The status the caller's protocol uses for this error (529 for overload on Anthropic, 503 on OpenAI…). */
export function errorStatus(protocol: Protocol, error: GatewayError): number {
  return protocol === "anthropic" ? anthropicErrorShape(error).status : openAiErrorShape(error).status;
}

/** A complete HTTP error response in the caller's protocol, with retry-after when known. */
export function renderErrorResponse(protocol: Protocol, error: GatewayError, requestId?: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfter));
  // The OpenAI and Anthropic SDKs retry every 429 unless told not to: an exhausted budget stays
  // exhausted, and retries would only add refused rows.
  if (error.code === "budget_exceeded") headers["x-should-retry"] = "false";
  if (requestId) Object.assign(headers, requestIdHeaders(protocol, requestId));
  return new Response(JSON.stringify(errorBody(protocol, error, requestId)), { status: errorStatus(protocol, error), headers });
}

/**
 * The one error event a stream ends with when the upstream fails after the first byte
 * (house rule 4): Anthropic `event: error`, an OpenAI Chat `{"error":…}` chunk, or Responses
 * `response.failed` (built by the Responses encoder; this is the plain fallback). Anthropic
 * shows its mid-stream `error` event without `request_id`
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events), so it has none.
 */
export function renderStreamErrorEvent(protocol: Protocol, error: GatewayError): SseEvent {
  if (protocol === "anthropic") return { event: "error", data: JSON.stringify(anthropicErrorBody(error)) };
  if (protocol === "openai-responses") {
    const body = openaiErrorBody(error).error;
    return { event: "error", data: JSON.stringify({ type: "error", code: body.code, message: body.message, param: body.param }) };
  }
  return { data: JSON.stringify(openaiErrorBody(error)) };
}
