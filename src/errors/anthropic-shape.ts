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
  const given = entry.status ?? (error.status >= 400 ? error.status : 500);
  // An upstream's status is one Anthropic's API uses; the gateway's own (405 with Allow) stay.
  const upstream = error.code.startsWith("upstream_");
  const status = upstream ? anthropicStatusFor(given) : given;
  // An upstream's 405, 406, 410… (a generic upstream_error) is the caller's kind of fault at 400.
  const type = upstream && status === 400 && entry.type === "api_error" ? "invalid_request_error" : entry.type;
  let message = error.message;
  if (error.upstreamCode === "context_length_exceeded" && !message.toLowerCase().startsWith(PROMPT_TOO_LONG)) {
    message = `${PROMPT_TOO_LONG}: ${message}`;
  }
  return { type, status, message };
}

/** The statuses Anthropic's API answers errors with (https://docs.anthropic.com/en/api/errors). */
const ANTHROPIC_STATUSES = new Set([400, 401, 402, 403, 404, 413, 429, 500, 504, 529]);

/**
 * An upstream's error status as Anthropic's API would answer it. OpenAI-compatible servers send
 * statuses Anthropic never does (422 for a malformed request, 409, 502, 503…), and Anthropic
 * clients are written against Anthropic's list. Each maps to the documented status of the same
 * meaning and the same retry behaviour (the SDKs and Claude Code retry 408, 409, 429 and 5xx):
 * a 422 or other refusal is a 400 (final), a 408 is 504 timeout_error, a 503 is 529
 * overloaded_error (Claude Code's own backoff), a 409 and any other 5xx are 500 api_error
 * (still retried).
 */
export function anthropicStatusFor(status: number): number {
  if (ANTHROPIC_STATUSES.has(status)) return status;
  if (status === 408) return 504;
  if (status === 503) return 529;
  if (status === 409 || status >= 500) return 500;
  return status >= 400 ? 400 : 500;
}
