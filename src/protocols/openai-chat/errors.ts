import { errorFromUpstreamStatus, GatewayError, type ErrorCode } from "../../errors/gateway-error";
import { CONTEXT_LENGTH_TEXT, openAiErrorShape } from "../../errors/openai-shape";
import type { CanonicalEvent } from "../../canonical/types";
import type { SseEvent } from "../../streaming/sse-event";
import { readRetryAfter } from "../../translate/error-event";
import { readOpenAIErrorBody } from "./error-body";
import { readRetryHint } from "../openai-responses/errors";
import type { ChatChunk, ChatErrorBody } from "./wire-types";

/**
 * GatewayError ⇄ OpenAI error envelopes (E01/E02), shared by Chat Completions and Responses
 * clients: `{"error":{"message","type","param","code"}}`, and the Chat mid-stream error chunk (SC05).
 */

function describeError(error: GatewayError): { status: number; body: ChatErrorBody } {
  const shape = openAiErrorShape(error);
  return { status: shape.status, body: { error: { message: shape.message, type: shape.type, param: shape.param, code: shape.code } } };
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
  // E04: most compatible servers say "too long" only in words; named as OpenAI names it, Claude
  // Code gets "prompt is too long" and compacts, Codex gets context_length_exceeded.
  const overflow = parsed.code !== "context_length_exceeded" && status === 400 && CONTEXT_LENGTH_TEXT.test(message);
  // E02: OpenAI's 429s name the wait in words ("Please try again in 20s") more often than in a
  // retry-after header; either way Anthropic clients get it as `retry-after` (whole seconds).
  const hinted = readRetryHint(message);
  const retryAfter = readRetryAfter(headers) ?? (hinted === undefined ? undefined : Math.ceil(hinted));
  const options = { retryAfter, upstreamType: parsed.type, upstreamCode: overflow ? "context_length_exceeded" : parsed.code };
  const code = mapOpenAIErrorCode(status, parsed.type, parsed.code);
  if (code === undefined) return errorFromUpstreamStatus(status, message, options);
  return new GatewayError(code, status, message, options);
}

/** A Chat stream's error chunk (`{"error":{…}}` instead of choices) as the canonical error event. */
export function decodeChatStreamError(error: NonNullable<ChatChunk["error"]>): CanonicalEvent {
  const { type } = error;
  // OpenRouter and Gemini's compatible endpoint put the HTTP status in `code` (`"code": 503`):
  // it is the status, never a code passed on (Responses clients read `code` as a string).
  const code = typeof error.code === "string" ? error.code : undefined;
  const httpStatus = typeof error.code === "number" && error.code >= 400 && error.code < 600 ? error.code : undefined;
  const message = error.message ?? "upstream stream error";
  const status = httpStatus ?? statusForOpenAIError(type, code);
  // The catalogue code follows the status, as for an error before the stream (E02): a rate
  // limit mid-stream is a rate limit to the client (Anthropic rate_limit_error), not api_error.
  const mapped = mapOpenAIErrorCode(status, type, code) ?? errorFromUpstreamStatus(status, message).code;
  const retryAfter = readRetryHint(message);
  return {
    type: "error",
    status,
    code: mapped,
    message,
    ...(type ? { upstreamType: type } : {}),
    ...(code ? { upstreamCode: code } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  };
}
