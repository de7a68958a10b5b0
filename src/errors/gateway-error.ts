/**
 * The one error catalogue (ARCHITECTURE.md house rule 5). Every failure the gateway reports
 * is a GatewayError with a stable code and an HTTP status; `render-error.ts` turns it into
 * the caller's protocol. Messages never contain secrets.
 */
export type ErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "missing_model"
  | "body_too_large"
  | "model_not_found"
  | "not_found"
  | "conflict"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  /** A key's or user's own requests- or tokens-per-minute limit (src/limits): retry after the wait. */
  | "rate_limit_exceeded"
  /** A key's or user's budget cannot take the request's worst-case cost: final until the period resets or an admin raises it. */
  | "budget_exceeded"
  /** A request with a budget for a model the price table lacks: its cost could not be counted. */
  | "model_not_priced"
  | "translation_unsupported"
  | "work_mode_conflict"
  | "upstream_error"
  | "upstream_bad_request"
  | "upstream_unauthorized"
  | "upstream_forbidden"
  | "upstream_not_found"
  | "upstream_rate_limited"
  /** Billing or quota exhausted upstream: not a rate limit, never retried (E03). */
  | "upstream_quota_exceeded"
  | "upstream_overloaded"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "upstream_connect_failed"
  | "upstream_stream_broken"
  | "tool_loop_detected"
  /** The gateway is stopping and ended the request (grace period over): retry elsewhere or later. */
  | "gateway_shutdown"
  /**
   * The gateway's own database could not be reached or used while checking an API key or serving
   * the admin and usage APIs (PostgreSQL restarting, a network partition, an SQLite file locked
   * by another process): 503 with retry-after, so clients and load balancers retry, rather than
   * a 500 that reads like a gateway bug (store/database-unreachable.ts tells the two apart).
   */
  | "database_unavailable"
  | "internal_error";

export interface GatewayErrorOptions {
  /** The request parameter at fault (OpenAI `param`). */
  param?: string;
  /** Seconds the client should wait (429/529), from the upstream's `retry-after`. */
  retryAfter?: number;
  /**
   * The upstream's own error type (`overloaded_error`, `rate_limit_exceeded`...), kept when
   * relaying; for the gateway's own rate refusal, OpenAI's word for the full window (`requests`, `tokens`).
   */
  upstreamType?: string;
  /** The upstream's own error code string. */
  upstreamCode?: string;
  /**
   * Structured detail a client acts on, rendered as Anthropic's `error.details` (its SDKs read
   * `details.error_code`, e.g. `thread_unsupported_request`, to choose a fallback).
   */
  details?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly upstreamType?: string;
  readonly upstreamCode?: string;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, status: number, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = status;
    this.param = options.param;
    this.retryAfter = options.retryAfter;
    this.upstreamType = options.upstreamType;
    this.upstreamCode = options.upstreamCode;
    this.details = options.details;
  }

  /** Failures that may move on to the next provider of a route before the first byte is sent. */
  get retryable(): boolean {
    return (
      this.code === "upstream_connect_failed" ||
      this.code === "upstream_timeout" ||
      this.code === "upstream_rate_limited" ||
      this.code === "upstream_overloaded" ||
      this.code === "upstream_unavailable" ||
      this.code === "upstream_error"
    );
  }

  /**
   * The provider's quota or credit is used up (E03), however it arrived: mapped by a translation
   * (`upstream_quota_exceeded`), or relayed natively as the upstream's own 429 with OpenAI's
   * `insufficient_quota` or Anthropic's `billing_error`, or a 402.
   */
  get quotaExhausted(): boolean {
    return (
      this.code === "upstream_quota_exceeded" ||
      (this.code.startsWith("upstream_") && (this.status === 402 || this.upstreamCode === "insufficient_quota" || this.upstreamType === "insufficient_quota" || this.upstreamType === "billing_error"))
    );
  }

  /**
   * Failures that move a route on to its next provider (before the first byte): the retryable
   * ones, and those that say this provider cannot serve the request while another may
   * (reliability-anchors §2.8): its account's quota or credit is exhausted, it refuses the
   * gateway's key (401/403), or it does not know the model (404). Never the caller's own faults
   * (400, 413, 422): another provider would refuse the same request.
   */
  get failsOver(): boolean {
    return this.retryable || this.quotaExhausted || this.code === "upstream_unauthorized" || this.code === "upstream_forbidden" || this.code === "upstream_not_found";
  }
}

/** Wrap anything thrown into a GatewayError (unknown errors become a 500 without internals). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("internal_error", 500, "internal gateway error", { cause: error });
}

/** Upstream HTTP statuses with a catalogue code of their own; any other is `upstream_error`. */
const UPSTREAM_STATUS_CODES: Record<number, ErrorCode> = {
  400: "upstream_bad_request",
  413: "upstream_bad_request",
  422: "upstream_bad_request",
  401: "upstream_unauthorized",
  // 402 Payment Required: the provider's credit is used up (E03), never a retryable fault.
  402: "upstream_quota_exceeded",
  403: "upstream_forbidden",
  404: "upstream_not_found",
  429: "upstream_rate_limited",
  529: "upstream_overloaded",
  503: "upstream_unavailable",
  408: "upstream_timeout",
  504: "upstream_timeout",
};

/** The catalogue entry for an upstream HTTP status (the upstream's message is kept). */
export function errorFromUpstreamStatus(status: number, message: string, options: GatewayErrorOptions = {}): GatewayError {
  return new GatewayError(UPSTREAM_STATUS_CODES[status] ?? "upstream_error", status, message, options);
}
