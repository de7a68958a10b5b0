import type { GatewayError } from "../errors/gateway-error";
import type { ProviderFailure } from "../routing/provider-health";
import { UpstreamFailure } from "./send-attempt";

/**
 * Whether a failed attempt counts against its provider's health (routing/provider-health.ts),
 * and how. The same failures that move a route on to its next provider count: a connect
 * failure, our own deadline, a 5xx, and a 429 (send-attempt.ts throws one only when the
 * provider has no other key left to try: the key ring handles the others, so they are not
 * counted twice). Not counted: the client's own errors (4xx other than 429 and 408), a client
 * that left (499), and anything after the first byte (handled in stream-to-client.ts, never here).
 */
export function providerFailureOf(failure: UpstreamFailure | GatewayError): ProviderFailure | undefined {
  const error = failure instanceof UpstreamFailure ? failure.error : failure;
  if (error.status === 499 || !error.retryable) return undefined;
  const reason = `${error.code} (${error.status})`;
  // Our own deadline (connect, response, first byte, body), not an upstream's 408 or 504 status
  // (an UpstreamFailure), which came back quickly: the timeout is what makes a provider expensive.
  if (!(failure instanceof UpstreamFailure) && error.code === "upstream_timeout") return { kind: "timeout", reason };
  if (error.status === 429 && error.retryAfter !== undefined) return { kind: "error", reason, retryAfterSeconds: error.retryAfter };
  return { kind: "error", reason };
}
