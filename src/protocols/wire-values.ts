/**
 * Small lenient readers for untyped JSON (house rule 2: missing and null fields are normal),
 * shared by the protocol decoders.
 */
import type { CacheHint } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";

/**
 * A client's value as quoted in an error or a log line: its first `max` characters. The value is
 * the client's own choice (up to the body limit), and an error or warning that quoted it whole
 * would send it back, or write it to the log, as large as it came.
 */
export function quoteClientValue(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function readNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function readBoolean(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

export function readArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value as a plain object, or undefined (arrays and null are not records). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** A 400 invalid_request naming the parameter at fault. */
export function invalidRequest(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_request", 400, message, { param });
}

/**
 * A part's or tool's `cache_control` as a cache hint. Anthropic's own field; OpenRouter and
 * LiteLLM let OpenAI-format clients put it on Chat content parts and tools for Claude.
 */
export function readCacheHint(holder: Record<string, unknown>): CacheHint | undefined {
  const cache = asRecord(holder.cache_control);
  if (cache?.type !== "ephemeral") return undefined;
  return { type: "ephemeral", ...(typeof cache.ttl === "string" ? { ttl: cache.ttl } : {}) };
}
