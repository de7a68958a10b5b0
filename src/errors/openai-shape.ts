import type { GatewayError } from "./gateway-error";

/**
 * The one OpenAI rendering of the error catalogue, shared by Chat Completions, Responses and
 * embeddings clients (E01–E06). Codes the OpenAI clients act on are kept exact:
 * `context_length_exceeded` (Codex compacts), `insufficient_quota` (fatal, never retried),
 * `rate_limit_exceeded` (retried after the hinted delay), `server_is_overloaded` (503).
 */

/** What classification needs: a GatewayError, or a canonical `error` stream event. */
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

/**
 * E04: how providers say the prompt does not fit, besides OpenAI's `context_length_exceeded`:
 * Anthropic "prompt is too long", DeepSeek/vLLM/OpenRouter "maximum context length", Mistral
 * "too large for model with N maximum context length", Gemini "The input token count (N) exceeds
 * the maximum number of tokens allowed", xAI "maximum prompt length", llama.cpp "context size".
 */
export const CONTEXT_LENGTH_TEXT = /prompt is too long|context length|context window|maximum context|too many tokens|exceeds the maximum number of tokens|maximum prompt length|context size/i;

export function classifyOpenAiError(facts: ErrorFacts): OpenAiErrorShape {
  const param = facts.param ?? null;
  const { status, code, upstreamType, upstreamCode, message } = facts;
  if (upstreamCode === "context_length_exceeded" || (status === 400 && CONTEXT_LENGTH_TEXT.test(message))) {
    return { status: 400, type: "invalid_request_error", code: "context_length_exceeded", message, param };
  }
  if (upstreamCode === "insufficient_quota" || upstreamType === "billing_error" || code === "upstream_quota_exceeded" || status === 402) {
    return { status: 429, type: "insufficient_quota", code: "insufficient_quota", message, param };
  }
  // Before the rate-limit case: a budget is final, like OpenAI's own quota (`insufficient_quota`
  // type, which clients treat as fatal), with the gateway's code to tell it from the provider's.
  if (code === "budget_exceeded") return { status: 429, type: "insufficient_quota", code: "budget_exceeded", message, param };
  if (status === 429 || code === "rate_limited" || code === "upstream_rate_limited") {
    // OpenAI's type says which window is full: "tokens" for tokens per minute, else "requests".
    return { status: 429, type: upstreamType === "tokens" ? "tokens" : "requests", code: "rate_limit_exceeded", message: withRetryHint(message, facts.retryAfter), param };
  }
  if (status === 529 || upstreamType === "overloaded_error" || code === "upstream_overloaded" || code === "upstream_unavailable") {
    return { status: 503, type: "server_error", code: "server_is_overloaded", message, param };
  }
  if (status === 504 || status === 408 || code === "upstream_timeout") {
    return { status: status === 408 ? 504 : status, type: "server_error", code: "timeout", message, param };
  }
  if (status === 401) return { status, type: "invalid_request_error", code: upstreamCode ?? "invalid_api_key", message, param };
  if (status === 403) return { status, type: "permission_error", code: upstreamCode ?? gatewayCodeForClient(code), message, param };
  if (status === 404) {
    return { status, type: "invalid_request_error", code: upstreamCode ?? (code === "model_not_found" ? "model_not_found" : "not_found"), message, param };
  }
  // A missing translation is the caller's configuration problem, not a server fault.
  if (code === "translation_unsupported") return { status, type: "invalid_request_error", code, message, param };
  if (status >= 400 && status < 500) {
    return { status, type: "invalid_request_error", code: upstreamCode ?? gatewayCodeForClient(code), message, param };
  }
  return { status: status >= 500 ? status : 500, type: "server_error", code: upstreamCode ?? gatewayCodeForClient(code), message, param };
}

/** The OpenAI shape of a GatewayError. */
export function openAiErrorShape(error: GatewayError): OpenAiErrorShape {
  return classifyOpenAiError(errorFacts(error));
}

/** Catalogue codes OpenAI itself leaves as `code: null` (its generic 400/403/500 answers). */
const GENERIC_CODES = new Set(["invalid_request", "forbidden", "internal_error"]);
/** Catalogue codes renamed to the word OpenAI-style clients already know. */
const RENAMED_CODES: Record<string, string> = { body_too_large: "request_too_large" };

/** Gateway codes that mean something to a client are passed on; `upstream_*` internals are not. */
function gatewayCodeForClient(code: string): string | null {
  if (code.startsWith("upstream_") || GENERIC_CODES.has(code)) return null;
  return RENAMED_CODES[code] ?? code;
}

function withRetryHint(message: string, retryAfter: number | undefined): string {
  if (retryAfter === undefined || /try again in/i.test(message)) return message;
  const seconds = Math.max(0, Math.round(retryAfter * 1000) / 1000);
  return `${message.replace(/\s*$/, "")}${/[.!?]$/.test(message.trim()) ? "" : "."} Please try again in ${seconds}s.`;
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
