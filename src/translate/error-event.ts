import type { CanonicalEvent } from "../canonical/types";
import { GatewayError, type ErrorCode } from "../errors/gateway-error";

type ErrorEvent = Extract<CanonicalEvent, { type: "error" }>;

/** Every code of the catalogue, so an error event's code can be checked before it is trusted. */
const KNOWN_CODES = new Set<string>([
  "invalid_json", "invalid_request", "missing_model", "body_too_large", "model_not_found", "not_found",
  "method_not_allowed", "unauthorized", "forbidden", "rate_limited", "translation_unsupported",
  "work_mode_conflict", "upstream_error", "upstream_bad_request", "upstream_unauthorized",
  "upstream_forbidden", "upstream_not_found", "upstream_rate_limited", "upstream_quota_exceeded",
  "upstream_overloaded", "upstream_unavailable", "upstream_timeout", "upstream_connect_failed",
  "upstream_stream_broken", "tool_loop_detected", "gateway_shutdown", "database_unavailable",
  "internal_error",
]);

/** A GatewayError as a canonical stream event (StreamTranslator.fail → the client's encoder). */
export function convertErrorToEvent(error: GatewayError): ErrorEvent {
  return {
    type: "error",
    status: error.status,
    code: error.code,
    message: error.message,
    ...(error.upstreamType !== undefined ? { upstreamType: error.upstreamType } : {}),
    ...(error.upstreamCode !== undefined ? { upstreamCode: error.upstreamCode } : {}),
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  };
}

/** A canonical error event back into a GatewayError, for the protocol renderers. */
export function convertEventToError(event: ErrorEvent): GatewayError {
  const code = (KNOWN_CODES.has(event.code) ? event.code : "upstream_error") as ErrorCode;
  return new GatewayError(code, event.status, event.message, {
    upstreamType: event.upstreamType,
    upstreamCode: event.upstreamCode,
    retryAfter: event.retryAfter,
  });
}

/**
 * `retry-after` (seconds or an HTTP date) and `retry-after-ms` → whole seconds (E02: pass
 * them through to the client).
 */
export function readRetryAfter(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.ceil(Number(ms) / 1000);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Non-JSON upstream bodies (HTML error pages) become a short clipped message (E08). */
export function clipUpstreamText(text: string, max = 300): string {
  const plain = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}
