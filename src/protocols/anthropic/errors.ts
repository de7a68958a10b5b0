import { errorFromUpstreamStatus, GatewayError, type ErrorCode } from "../../errors/gateway-error";
import type { SseEvent } from "../../streaming/sse-event";
import { clipUpstreamText, readRetryAfter } from "../../translate/error-event";
import type { AnthropicErrorBody } from "./wire-types";

/**
 * GatewayError ⇄ Anthropic error envelopes (E01/E02):
 * `{"type":"error","error":{"type","message"}}`, and the `error` stream event (SA10).
 */

/** Catalogue code → Anthropic error type and, where E02 says so, a different status. */
const ANTHROPIC_ERRORS: Record<ErrorCode, { type: string; status?: number }> = {
  invalid_json: { type: "invalid_request_error" },
  invalid_request: { type: "invalid_request_error" },
  missing_model: { type: "invalid_request_error" },
  translation_unsupported: { type: "invalid_request_error" },
  work_mode_conflict: { type: "invalid_request_error" },
  method_not_allowed: { type: "invalid_request_error" },
  upstream_bad_request: { type: "invalid_request_error" },
  tool_loop_detected: { type: "invalid_request_error" },
  body_too_large: { type: "request_too_large", status: 413 },
  unauthorized: { type: "authentication_error", status: 401 },
  upstream_unauthorized: { type: "authentication_error", status: 401 },
  forbidden: { type: "permission_error", status: 403 },
  upstream_forbidden: { type: "permission_error", status: 403 },
  model_not_found: { type: "not_found_error", status: 404 },
  not_found: { type: "not_found_error", status: 404 },
  upstream_not_found: { type: "not_found_error", status: 404 },
  rate_limited: { type: "rate_limit_error", status: 429 },
  upstream_rate_limited: { type: "rate_limit_error", status: 429 },
  // E03: quota exhaustion must not look like a rate limit, or Claude Code retries a dead key.
  upstream_quota_exceeded: { type: "billing_error", status: 402 },
  // E02: 503 "overloaded" and 529 both reach Anthropic clients as 529, which Claude Code retries.
  upstream_overloaded: { type: "overloaded_error", status: 529 },
  upstream_unavailable: { type: "overloaded_error", status: 529 },
  upstream_timeout: { type: "timeout_error", status: 504 },
  upstream_error: { type: "api_error" },
  upstream_connect_failed: { type: "api_error" },
  upstream_stream_broken: { type: "api_error" },
  internal_error: { type: "api_error" },
};

/** Claude Code triggers auto-compaction on this exact message prefix (E04). */
const PROMPT_TOO_LONG = "prompt is too long";

function describeError(error: GatewayError): { type: string; status: number; message: string } {
  const entry = ANTHROPIC_ERRORS[error.code] ?? { type: "api_error" };
  const status = entry.status ?? (error.status >= 400 ? error.status : 500);
  let message = error.message;
  if (error.upstreamCode === "context_length_exceeded" && !message.toLowerCase().startsWith(PROMPT_TOO_LONG)) {
    message = `${PROMPT_TOO_LONG}: ${message}`;
  }
  return { type: entry.type, status, message };
}

/** A GatewayError as an Anthropic error response (status, body, and `retry-after` when known). */
export function renderAnthropicError(error: GatewayError): {
  status: number;
  body: AnthropicErrorBody;
  headers: Record<string, string>;
} {
  const { type, status, message } = describeError(error);
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return { status, body: { type: "error", error: { type, message } }, headers };
}

/** A GatewayError as the Anthropic `error` stream event; nothing may follow it (SA10). */
export function renderAnthropicStreamError(error: GatewayError): SseEvent {
  const { type, message } = describeError(error);
  return { event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) };
}

/** Anthropic error type → catalogue code, for errors that arrive with a misleading status. */
function mapAnthropicErrorType(type: string | undefined, message: string): ErrorCode | undefined {
  if (type === "overloaded_error") return "upstream_overloaded";
  if (type === "rate_limit_error") return "upstream_rate_limited";
  if (type === "billing_error" || /credit balance is too low/i.test(message)) return "upstream_quota_exceeded";
  if (type === "authentication_error") return "upstream_unauthorized";
  if (type === "permission_error") return "upstream_forbidden";
  if (type === "not_found_error") return "upstream_not_found";
  if (type === "timeout_error") return "upstream_timeout";
  return undefined;
}

/** Status an Anthropic error type stands for (mid-stream errors carry no HTTP status). */
export function statusForAnthropicErrorType(type: string | undefined): number {
  switch (type) {
    case "invalid_request_error": return 400;
    case "authentication_error": return 401;
    case "billing_error": return 402;
    case "permission_error": return 403;
    case "not_found_error": return 404;
    case "request_too_large": return 413;
    case "rate_limit_error": return 429;
    case "timeout_error": return 504;
    case "overloaded_error": return 529;
    default: return 500;
  }
}

/** An Anthropic upstream error (status, parsed body, headers) → catalogue error, upstream message kept. */
export function decodeAnthropicError(status: number, body: unknown, headers: Headers): GatewayError {
  const parsed = readAnthropicErrorBody(body);
  const message = parsed.message || `upstream returned HTTP ${status}`;
  const options = {
    retryAfter: readRetryAfter(headers),
    upstreamType: parsed.type,
    upstreamCode: message.toLowerCase().startsWith(PROMPT_TOO_LONG) ? "context_length_exceeded" : undefined,
  };
  const code = mapAnthropicErrorType(parsed.type, message);
  if (code === undefined) return errorFromUpstreamStatus(status, message, options);
  return new GatewayError(code, status, message, options);
}

/** `{type:"error", error:{type,message}}`, a bare string, or HTML → type and message (E08). */
export function readAnthropicErrorBody(body: unknown): { type?: string; message: string } {
  if (typeof body === "string") return { message: clipUpstreamText(body) };
  if (body && typeof body === "object") {
    const error = (body as { error?: unknown }).error;
    if (error && typeof error === "object") {
      const { type, message } = error as { type?: unknown; message?: unknown };
      return { type: typeof type === "string" ? type : undefined, message: typeof message === "string" ? message : "" };
    }
    const message = (body as { message?: unknown }).message;
    if (typeof message === "string") return { message };
  }
  return { message: "" };
}
