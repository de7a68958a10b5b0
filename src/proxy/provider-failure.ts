import type { GatewayError } from "../errors/gateway-error";
import type { ProviderFailure } from "../routing/provider-health";
import { UpstreamFailure } from "./send-attempt";

/**
 * Whether a failed attempt counts against its provider's health (routing/provider-health.ts),
 * and how. The same failures that move a route on to its next provider count: a connect
 * failure, our own deadline, a 5xx, and a 429 (send-attempt.ts throws one only when the
 * provider has no other key left to try: the key ring handles the others, so they are not
 * counted twice), and, at once for the longest cooldown, an account that cannot serve (quota or
 * credit exhausted, the gateway's key refused). Not counted: the client's own errors, an unknown
 * model (404: that model only), a client that left (499), and anything after the first byte
 * (handled in stream-to-client.ts, never here).
 */
export function providerFailureOf(failure: UpstreamFailure | GatewayError): ProviderFailure | undefined {
  const error = failure instanceof UpstreamFailure ? failure.error : failure;
  if (error.status === 499) return undefined;
  const reason = `${error.code} (${error.status})`;
  // The provider's account, not this request: no request to it will do better for a while. An
  // unknown model (404) is about that model alone, so it fails over without counting here.
  // A 403 about one model (OpenAI: "Project … does not have access to model …", code
  // model_not_found) is like a 404: the client chose the model, so counting it would let any
  // client cool the provider for everyone. It still fails over.
  if (error.code === "upstream_forbidden" && error.upstreamCode === "model_not_found") return undefined;
  if (error.quotaExhausted || error.code === "upstream_unauthorized" || error.code === "upstream_forbidden") return { kind: "account", reason: error.quotaExhausted ? `quota exhausted, ${reason}` : reason };
  if (!error.retryable) return undefined;
  // Our own deadline (connect, response, first byte, body), not an upstream's 408 or 504 status
  // (an UpstreamFailure), which came back quickly: the timeout is what makes a provider expensive.
  if (!(failure instanceof UpstreamFailure) && error.code === "upstream_timeout") return { kind: "timeout", reason };
  if (error.status === 429 && error.retryAfter !== undefined) return { kind: "error", reason, retryAfterSeconds: error.retryAfter };
  return { kind: "error", reason };
}
