import type { ErrorCode, GatewayError } from "./gateway-error";

/**
 * The one Anthropic rendering of the error catalogue (E01/E02): the error `type` for each
 * catalogue code and, where Anthropic clients need it, a different status.
 * https://docs.anthropic.com/en/api/errors
 */
const ANTHROPIC_ERRORS: Record<ErrorCode, { type: string; status?: number }> = {
  invalid_json: { type: "invalid_request_error" },
  invalid_request: { type: "invalid_request_error" },
  missing_model: { type: "invalid_request_error" },
  conflict: { type: "invalid_request_error" },
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
  rate_limit_exceeded: { type: "rate_limit_error", status: 429 },
  // Anthropic has no budget error; its rate-limit type with x-should-retry: false (render.ts), so SDKs do not retry.
  budget_exceeded: { type: "rate_limit_error", status: 429 },
  model_not_priced: { type: "permission_error", status: 403 },
  upstream_rate_limited: { type: "rate_limit_error", status: 429 },
  // E03: quota exhaustion must not look like a rate limit, or Claude Code retries a dead key.
  upstream_quota_exceeded: { type: "billing_error", status: 402 },
  // E02: 503 "overloaded" and 529 both reach Anthropic clients as 529, which Claude Code retries.
  upstream_overloaded: { type: "overloaded_error", status: 529 },
  upstream_unavailable: { type: "overloaded_error", status: 529 },
  upstream_timeout: { type: "timeout_error", status: 504 },
  // Claude Code retries overloaded_error: a request cut by a stopping replica is worth retrying.
  gateway_shutdown: { type: "overloaded_error", status: 529 },
  // The same for a replica whose database is away: worth retrying (another replica, or later).
  database_unavailable: { type: "overloaded_error", status: 529 },
  upstream_error: { type: "api_error" },
  upstream_connect_failed: { type: "api_error" },
  upstream_stream_broken: { type: "api_error" },
  internal_error: { type: "api_error" },
};

/** Claude Code triggers auto-compaction on this exact message prefix (E04). */
export const PROMPT_TOO_LONG = "prompt is too long";

export interface AnthropicErrorShape {
  status: number;
  type: string;
  message: string;
}

export function anthropicErrorShape(error: GatewayError): AnthropicErrorShape {
  // An upstream's 413 is Anthropic's request_too_large (the SDKs' ContentTooLargeError reads the
  // status, but clients that switch on error.type would take it for a malformed request).
  const entry = error.code === "upstream_bad_request" && error.status === 413 ? { type: "request_too_large" } : (ANTHROPIC_ERRORS[error.code] ?? { type: "api_error" });
  const status = entry.status ?? (error.status >= 400 ? error.status : 500);
  let message = error.message;
  if (error.upstreamCode === "context_length_exceeded" && !message.toLowerCase().startsWith(PROMPT_TOO_LONG)) {
    message = `${PROMPT_TOO_LONG}: ${message}`;
  }
  return { type: entry.type, status, message };
}
