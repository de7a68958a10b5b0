/**
 * The upstream's rate-limit headers, which clients read to pace themselves: OpenAI's
 * `x-ratelimit-*` (the SDKs expose them; agents back off on `remaining-*`), Anthropic's
 * `anthropic-ratelimit-*` (Claude Code reads the `unified` ones), and the retry delay
 * (`retry-after`, and `retry-after-ms`, which OpenAI's SDKs prefer). Relayed on every answer,
 * native or translated, success or error, under the names the provider gave them: they describe
 * the provider that served the request, and a mapping between the two families would not be
 * exact (OpenAI counts tokens together and gives resets as durations, Anthropic splits input and
 * output tokens and gives resets as timestamps). An allow-list: nothing else of the upstream's
 * headers (cookies, hop-by-hop, its own request ids) ever reaches the client.
 */
export function readRateLimitHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  let relayed: Record<string, string> | undefined;
  for (const [name, value] of headers) {
    if (name.startsWith("x-ratelimit-") || name.startsWith("anthropic-ratelimit-") || name === "retry-after" || name === "retry-after-ms") {
      (relayed ??= {})[name] = value;
    }
  }
  return relayed ?? NONE;
}

/** Shared by the answers of upstreams that send none (frozen: callers spread it, never write it). */
const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;
