import { errorFromUpstreamStatus, GatewayError, type ErrorCode } from "../../errors/gateway-error";
import type { SseEvent } from "../../streaming/sse-event";
import { clipUpstreamText, readRetryAfter } from "../../translate/error-event";
import type { ChatErrorBody } from "./wire-types";

/**
 * GatewayError ⇄ OpenAI error envelopes (E01/E02), shared by Chat Completions and Responses
 * clients: `{"error":{"message","type","param","code"}}`, and the Chat mid-stream error chunk (SC05).
 */

/** Catalogue code → OpenAI status, type and code (E02, E03, E06). */
const OPENAI_ERRORS: Record<ErrorCode, { status?: number; type: string; code: string | null }> = {
  invalid_json: { status: 400, type: "invalid_request_error", code: "invalid_json" },
  invalid_request: { status: 400, type: "invalid_request_error", code: null },
  missing_model: { status: 400, type: "invalid_request_error", code: "missing_model" },
  translation_unsupported: { type: "invalid_request_error", code: "unsupported" },
  work_mode_conflict: { status: 400, type: "invalid_request_error", code: "work_mode_conflict" },
  method_not_allowed: { status: 405, type: "invalid_request_error", code: null },
  upstream_bad_request: { type: "invalid_request_error", code: null },
  tool_loop_detected: { type: "invalid_request_error", code: "tool_loop_detected" },
  body_too_large: { status: 413, type: "invalid_request_error", code: "request_too_large" },
  // OpenAI's own 401 wording: type invalid_request_error, code invalid_api_key.
  unauthorized: { status: 401, type: "invalid_request_error", code: "invalid_api_key" },
  upstream_unauthorized: { status: 401, type: "invalid_request_error", code: "invalid_api_key" },
  forbidden: { status: 403, type: "permission_error", code: null },
  upstream_forbidden: { status: 403, type: "permission_error", code: null },
  model_not_found: { status: 404, type: "invalid_request_error", code: "model_not_found" },
  not_found: { status: 404, type: "invalid_request_error", code: null },
  upstream_not_found: { status: 404, type: "invalid_request_error", code: "model_not_found" },
  rate_limited: { status: 429, type: "requests", code: "rate_limit_exceeded" },
  upstream_rate_limited: { status: 429, type: "requests", code: "rate_limit_exceeded" },
  // E03: OpenAI signals billing as 429 insufficient_quota, which Codex treats as fatal.
  upstream_quota_exceeded: { status: 429, type: "insufficient_quota", code: "insufficient_quota" },
  // E02/E06: Anthropic 529 → 503 server_is_overloaded (the OpenAI SDKs retry 5xx; Codex keys on the code).
  upstream_overloaded: { status: 503, type: "server_error", code: "server_is_overloaded" },
  upstream_unavailable: { status: 503, type: "server_error", code: "server_is_overloaded" },
  upstream_timeout: { status: 504, type: "server_error", code: "timeout" },
  upstream_error: { type: "server_error", code: null },
  upstream_connect_failed: { status: 502, type: "server_error", code: null },
  upstream_stream_broken: { status: 502, type: "server_error", code: null },
  internal_error: { status: 500, type: "server_error", code: null },
};

function describeError(error: GatewayError): { status: number; body: ChatErrorBody } {
  const entry = OPENAI_ERRORS[error.code] ?? { type: "server_error", code: null };
  const status = entry.status ?? (error.status >= 400 ? error.status : 500);
  // E04: context-length errors keep OpenAI's code whatever the upstream said it with.
  const code = error.upstreamCode === "context_length_exceeded" ? "context_length_exceeded" : entry.code ?? error.upstreamCode ?? null;
  return { status, body: { error: { message: error.message, type: entry.type, param: error.param ?? null, code } } };
}

/** A GatewayError as an OpenAI error response (status, body, and `retry-after` when known). */
export function renderOpenAIError(error: GatewayError): { status: number; body: ChatErrorBody; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return { ...describeError(error), headers };
}

/** A GatewayError as the Chat mid-stream error chunk; no `[DONE]` may follow it (SC05). */
export function renderOpenAIStreamError(error: GatewayError): SseEvent {
  return { data: JSON.stringify(describeError(error).body) };
}

/** OpenAI error code/type → catalogue code, where the status alone would mislead. */
export function mapOpenAIErrorCode(status: number, type: string | undefined, code: string | undefined): ErrorCode | undefined {
  if (code === "insufficient_quota" || type === "insufficient_quota") return "upstream_quota_exceeded";
  if (code === "server_is_overloaded" || code === "slow_down") return "upstream_overloaded";
  if (code === "rate_limit_exceeded" && status !== 429) return "upstream_rate_limited";
  return undefined;
}

/** Status for an error that arrives inside a stream chunk (no HTTP status there). */
export function statusForOpenAIError(type: string | undefined, code: string | undefined): number {
  if (code === "insufficient_quota" || code === "rate_limit_exceeded" || type === "requests" || type === "tokens") return 429;
  if (code === "server_is_overloaded" || code === "slow_down") return 503;
  if (code === "context_length_exceeded" || type === "invalid_request_error") return 400;
  return 500;
}

/** An OpenAI-compatible upstream error → catalogue error, upstream message kept (E02, E08). */
export function decodeOpenAIError(status: number, body: unknown, headers: Headers): GatewayError {
  const parsed = readOpenAIErrorBody(body);
  const message = parsed.message || `upstream returned HTTP ${status}`;
  const options = { retryAfter: readRetryAfter(headers), upstreamType: parsed.type, upstreamCode: parsed.code };
  const code = mapOpenAIErrorCode(status, parsed.type, parsed.code);
  if (code === undefined) return errorFromUpstreamStatus(status, message, options);
  return new GatewayError(code, status, message, options);
}

/** `{error:{message,type,code}}`, `{error:"text"}`, FastAPI `{detail}`, or raw text/HTML. */
export function readOpenAIErrorBody(body: unknown): { message: string; type?: string; code?: string } {
  if (typeof body === "string") return { message: clipUpstreamText(body) };
  if (!body || typeof body !== "object") return { message: "" };
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "string") return { message: error };
  if (error && typeof error === "object") {
    const { message, type, code } = error as Record<string, unknown>;
    return {
      message: typeof message === "string" ? message : "",
      type: typeof type === "string" ? type : undefined,
      code: typeof code === "string" ? code : typeof code === "number" ? String(code) : undefined,
    };
  }
  if (typeof record.detail === "string") return { message: record.detail };
  if (typeof record.message === "string") return { message: record.message };
  return { message: "" };
}
