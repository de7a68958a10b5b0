import type { Protocol } from "../canonical/types";

/**
 * The request id on every answer, under the name each client reads (T05): OpenAI's SDKs read
 * `x-request-id`, Anthropic's `request-id` (Claude Code reports "request-id absent" on a failed
 * stream and suspects an intercepting proxy). Anthropic clients get both, so operators find the
 * same header on every answer.
 */
export function requestIdHeaders(protocol: Protocol, requestId: string): Record<string, string> {
  return protocol === "anthropic" ? { "x-request-id": requestId, "request-id": requestId } : { "x-request-id": requestId };
}
