import type { Protocol } from "../canonical/types";
import type { SseEvent } from "../streaming/sse-event";
import type { ErrorCode, GatewayError } from "./gateway-error";

/** The error families each protocol names in its `type` field. */
type Family = "invalid" | "auth" | "permission" | "not_found" | "too_large" | "rate_limit" | "overloaded" | "timeout" | "server";

const familyByCode: Record<ErrorCode, Family> = {
  invalid_json: "invalid",
  invalid_request: "invalid",
  missing_model: "invalid",
  body_too_large: "too_large",
  model_not_found: "not_found",
  not_found: "not_found",
  conflict: "invalid",
  method_not_allowed: "invalid",
  unauthorized: "auth",
  forbidden: "permission",
  rate_limited: "rate_limit",
  translation_unsupported: "invalid",
  work_mode_conflict: "invalid",
  upstream_error: "server",
  upstream_bad_request: "invalid",
  upstream_unauthorized: "auth",
  upstream_forbidden: "permission",
  upstream_not_found: "not_found",
  upstream_rate_limited: "rate_limit",
  // E03: quota exhaustion is not a rate limit (clients must not retry it); protocols/*/errors.ts render it exactly.
  upstream_quota_exceeded: "invalid",
  upstream_overloaded: "overloaded",
  upstream_unavailable: "server",
  upstream_timeout: "timeout",
  upstream_connect_failed: "server",
  upstream_stream_broken: "server",
  tool_loop_detected: "invalid",
  internal_error: "server",
};

// https://docs.anthropic.com/en/api/errors
const anthropicType: Record<Family, string> = {
  invalid: "invalid_request_error",
  auth: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  overloaded: "overloaded_error",
  timeout: "api_error",
  server: "api_error",
};

// https://platform.openai.com/docs/guides/error-codes
const openaiType: Record<Family, string> = {
  invalid: "invalid_request_error",
  auth: "invalid_request_error",
  permission: "invalid_request_error",
  not_found: "invalid_request_error",
  too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  overloaded: "server_error",
  timeout: "server_error",
  server: "server_error",
};

/** OpenAI's well-known `code` strings where one exists; otherwise our catalogue code. */
function openaiCode(error: GatewayError): string {
  if (error.upstreamCode) return error.upstreamCode;
  switch (error.code) {
    case "unauthorized":
    case "upstream_unauthorized":
      return "invalid_api_key";
    case "upstream_rate_limited":
    case "rate_limited":
      return "rate_limit_exceeded";
    default:
      return error.code;
  }
}

export function openaiErrorBody(error: GatewayError): { error: { message: string; type: string; param: string | null; code: string } } {
  const family = familyByCode[error.code];
  return { error: { message: error.message, type: error.upstreamType ?? openaiType[family], param: error.param ?? null, code: openaiCode(error) } };
}

export function anthropicErrorBody(error: GatewayError): { type: "error"; error: { type: string; message: string } } {
  const family = familyByCode[error.code];
  return { type: "error", error: { type: error.upstreamType ?? anthropicType[family], message: error.message } };
}

/** The error body in the caller's protocol (Responses and embeddings clients use the OpenAI shape). */
export function errorBody(protocol: Protocol, error: GatewayError): unknown {
  return protocol === "anthropic" ? anthropicErrorBody(error) : openaiErrorBody(error);
}

/** A complete HTTP error response in the caller's protocol, with retry-after when known. */
export function renderErrorResponse(protocol: Protocol, error: GatewayError, requestId?: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfter));
  if (requestId) headers[protocol === "anthropic" ? "request-id" : "x-request-id"] = requestId;
  return new Response(JSON.stringify(errorBody(protocol, error)), { status: error.status, headers });
}

/**
 * The one error event a stream ends with when the upstream fails after the first byte
 * (house rule 4): Anthropic `event: error`, an OpenAI Chat `{"error":…}` chunk, or Responses
 * `response.failed` (built by the Responses encoder; this is the plain fallback).
 */
export function renderStreamErrorEvent(protocol: Protocol, error: GatewayError): SseEvent {
  if (protocol === "anthropic") return { event: "error", data: JSON.stringify(anthropicErrorBody(error)) };
  if (protocol === "openai-responses") {
    const body = openaiErrorBody(error).error;
    return { event: "error", data: JSON.stringify({ type: "error", code: body.code, message: body.message, param: body.param }) };
  }
  return { data: JSON.stringify(openaiErrorBody(error)) };
}
