import type { Protocol } from "../canonical/types";
import type { ProviderConfig } from "../config/types";

/**
 * What a request asks of the upstream: a protocol's main endpoint, or a side endpoint
 * (`openai-responses-compact` is POST /responses/compact, forwarded only to OpenAI Responses
 * upstreams; other routes compact through the gateway, src/proxy/compact-endpoint.ts;
 * `openai-responses-input-tokens` is POST /responses/input_tokens, forwarded to Responses
 * upstreams, counted by Anthropic's count_tokens for Claude, estimated elsewhere,
 * src/proxy/input-tokens.ts).
 */
export type UpstreamOperation = Protocol | "openai-embeddings" | "anthropic-count-tokens" | "openai-responses-compact" | "openai-responses-input-tokens";

/** The upstream URL for an operation (OpenAI base URLs include /v1; Anthropic's do not, as in the original). */
export function upstreamUrl(provider: ProviderConfig, operation: UpstreamOperation, query = ""): string {
  const base = provider.baseUrl;
  switch (operation) {
    case "openai-chat":
      return `${base}/chat/completions`;
    case "openai-responses":
      return `${base}/responses`;
    case "openai-responses-compact":
      return `${base}/responses/compact`;
    case "openai-responses-input-tokens":
      return `${base}/responses/input_tokens`;
    case "openai-embeddings":
      return `${base}/embeddings`;
    case "anthropic":
      return `${base}/v1/messages${query}`;
    case "anthropic-count-tokens":
      return `${base}/v1/messages/count_tokens${query}`;
  }
}

/** Client headers forwarded on native Anthropic calls (Claude features hang on the beta list, T04). */
const anthropicForwardedHeaders = ["anthropic-version", "anthropic-beta"];

/** Request headers for the upstream: the provider's auth, never the client's credentials. */
export function upstreamHeaders(provider: ProviderConfig, operation: UpstreamOperation, apiKey: string | undefined, clientHeaders: Headers | undefined, native: boolean): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "tokligence-gateway", ...provider.headers };
  if (operation === "anthropic" || operation === "anthropic-count-tokens") {
    headers["anthropic-version"] = provider.anthropicVersion;
    if (apiKey) headers["x-api-key"] = apiKey;
    if (native && clientHeaders) {
      for (const name of anthropicForwardedHeaders) {
        // Q05: vendors that ignore or refuse Anthropic's beta flags do not get them.
        if (name === "anthropic-beta" && provider.anthropicCompat.dropAnthropicBeta) continue;
        const value = clientHeaders.get(name);
        if (value) headers[name] = value;
      }
    }
  } else {
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (provider.org) headers["openai-organization"] = provider.org;
  }
  return headers;
}
