import { errorFromUpstreamStatus, GatewayError } from "../../errors/gateway-error";
import type { OpenAiErrorBody } from "./wire-types";
import { isRecord, readString } from "./values";

/** Longest upstream message kept (E08: HTML pages and other junk are clipped). */
const MAX_MESSAGE_LENGTH = 500;

/**
 * A Responses (OpenAI) upstream's error status and body → catalogue error. Keeps the
 * upstream message, type and code, and the retry delay from `retry-after-ms`,
 * `retry-after`, or the "try again in Ns" text OpenAI puts in 429 messages (E02, E08).
 */
export function decodeResponsesError(status: number, body: unknown, headers: Headers): GatewayError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const message =
    readString(error?.message) ??
    (typeof body === "string" && body.trim() !== "" ? clip(body) : undefined) ??
    `upstream returned HTTP ${status}`;
  const upstreamType = readString(error?.type);
  const upstreamCode = readString(error?.code);
  const param = readString(error?.param);
  const retryAfter = readRetryAfter(headers) ?? readRetryHint(message);
  return errorFromUpstreamStatus(status, clip(message), {
    ...(param ? { param } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(upstreamType ? { upstreamType } : {}),
    ...(upstreamCode ? { upstreamCode } : {}),
  });
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

export function readRetryAfter(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms / 1000;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** OpenAI 429 messages say "Please try again in 1.5s" / "in 20ms". */
export function readRetryHint(message: string): number | undefined {
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message);
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2]!.toLowerCase() === "ms" ? value / 1000 : value;
}

/** What an error needs for classification: a GatewayError or a canonical `error` stream event. */
export interface ErrorFacts {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
  upstreamType?: string;
  upstreamCode?: string;
  param?: string;
}

export interface OpenAiErrorShape {
  status: number;
  type: string;
  code: string | null;
  message: string;
  param: string | null;
}

const CONTEXT_LENGTH_TEXT = /prompt is too long|context length|context window|maximum context|too many tokens/i;

/**
 * The OpenAI type/code/status for an error (E02, E03, E04, E06): codes Codex acts on are
 * `context_length_exceeded` (asks to compact), `insufficient_quota` (fatal),
 * `rate_limit_exceeded` (retries after the hinted delay) and `server_is_overloaded` (503).
 */
export function classifyOpenAiError(facts: ErrorFacts): OpenAiErrorShape {
  const param = facts.param ?? null;
  const { status, code, upstreamType, upstreamCode } = facts;
  const message = facts.message;
  if (upstreamCode === "context_length_exceeded" || (status === 400 && CONTEXT_LENGTH_TEXT.test(message))) {
    return { status: 400, type: "invalid_request_error", code: "context_length_exceeded", message, param };
  }
  if (upstreamCode === "insufficient_quota" || upstreamType === "billing_error" || code === "upstream_quota_exceeded" || status === 402) {
    return { status: 429, type: "insufficient_quota", code: "insufficient_quota", message, param };
  }
  if (status === 429 || code === "rate_limited" || code === "upstream_rate_limited") {
    return { status: 429, type: "requests", code: "rate_limit_exceeded", message: withRetryHint(message, facts.retryAfter), param };
  }
  if (status === 529 || upstreamType === "overloaded_error" || code === "upstream_overloaded" || code === "upstream_unavailable") {
    return { status: 503, type: "server_error", code: "server_is_overloaded", message, param };
  }
  if (status === 504 || status === 408 || code === "upstream_timeout") {
    return { status: status === 408 ? 504 : status, type: "server_error", code: "timeout", message, param };
  }
  if (status === 401) return { status, type: "invalid_request_error", code: upstreamCode ?? "invalid_api_key", message, param };
  if (status === 403) return { status, type: "permission_error", code: upstreamCode ?? null, message, param };
  if (status === 404) {
    return { status, type: "invalid_request_error", code: upstreamCode ?? (code === "model_not_found" ? "model_not_found" : "not_found"), message, param };
  }
  if (status >= 400 && status < 500) {
    return { status, type: "invalid_request_error", code: upstreamCode ?? gatewayCodeForClient(code), message, param };
  }
  return { status: status >= 500 ? status : 500, type: "server_error", code: upstreamCode ?? "server_error", message, param };
}

/** Gateway codes that mean something to a client are passed on; internal ones are not. */
function gatewayCodeForClient(code: string): string | null {
  return code.startsWith("upstream_") ? null : code;
}

function withRetryHint(message: string, retryAfter: number | undefined): string {
  if (retryAfter === undefined || /try again in/i.test(message)) return message;
  const seconds = Math.max(0, Math.round(retryAfter * 1000) / 1000);
  return `${message.replace(/\s*$/, "")}${/[.!?]$/.test(message.trim()) ? "" : "."} Please try again in ${seconds}s.`;
}

export interface RenderedHttpError {
  status: number;
  body: OpenAiErrorBody;
  headers: Record<string, string>;
}

/** A gateway error as the HTTP error a Responses client gets before any stream byte (E01, SR08). */
export function renderResponsesHttpError(error: GatewayError): RenderedHttpError {
  const shape = classifyOpenAiError(errorFacts(error));
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfter));
  return {
    status: shape.status,
    body: { error: { message: shape.message, type: shape.type, param: shape.param, code: shape.code } },
    headers,
  };
}

/** The `error` object of a `response.failed` event (SR07, SR08). */
export function describeResponsesFailure(facts: ErrorFacts): { code: string; message: string } {
  const shape = classifyOpenAiError(facts);
  return { code: shape.code ?? (shape.status >= 500 ? "server_error" : "invalid_request_error"), message: shape.message };
}

export function errorFacts(error: GatewayError): ErrorFacts {
  return {
    status: error.status,
    code: error.code,
    message: error.message,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.upstreamType ? { upstreamType: error.upstreamType } : {}),
    ...(error.upstreamCode ? { upstreamCode: error.upstreamCode } : {}),
    ...(error.param ? { param: error.param } : {}),
  };
}
