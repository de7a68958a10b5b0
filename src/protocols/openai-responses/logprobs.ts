import { tokenBytes } from "../../canonical/token-bytes";
import type { TokenLogprob } from "../../canonical/types";
import { isRecord, readArray, readNumber, readString } from "./values";

/**
 * Responses log probabilities → canonical. An `output_text` part carries them as
 * `{token, bytes, logprob, top_logprobs: [{token, bytes, logprob}]}` and each
 * `response.output_text.delta` as `{token, logprob, top_logprobs?}` (no bytes), when the
 * request included `message.output_text.logprobs`. Otherwise the lists are empty, which is
 * read as none (undefined) so clients that did not ask get `logprobs: null`. Lenient: an
 * entry without a token or a number is skipped.
 */
export function decodeResponsesLogprobs(raw: unknown): TokenLogprob[] | undefined {
  const tokens: TokenLogprob[] = [];
  for (const entry of readArray(raw)) {
    const token = decodeToken(entry);
    if (token) tokens.push({ ...token, topLogprobs: readArray(isRecord(entry) ? entry.top_logprobs : undefined).flatMap((top) => decodeToken(top) ?? []) });
  }
  return tokens.length > 0 ? tokens : undefined;
}

function decodeToken(entry: unknown): { token: string; logprob: number; bytes?: number[] } | undefined {
  if (!isRecord(entry)) return undefined;
  const token = readString(entry.token);
  const logprob = readNumber(entry.logprob);
  if (token === undefined || logprob === undefined) return undefined;
  const bytes = Array.isArray(entry.bytes) && entry.bytes.every((byte) => typeof byte === "number") ? (entry.bytes as number[]) : undefined;
  return { token, logprob, ...(bytes ? { bytes } : {}) };
}

/**
 * Canonical tokens → an `output_text` part's `logprobs` (the whole answer, `content_part.done`,
 * `output_item.done` and the final response): `{token, bytes, logprob, top_logprobs: [{token,
 * bytes, logprob}]}`, as OpenAI's ResponseOutputText.Logprob, so bytes are always a list.
 */
export function encodeResponsesLogprobs(tokens: readonly TokenLogprob[]): unknown[] {
  return tokens.map((token) => ({
    token: token.token,
    bytes: tokenBytes(token),
    logprob: token.logprob,
    top_logprobs: token.topLogprobs.map((top) => ({ token: top.token, bytes: tokenBytes(top), logprob: top.logprob })),
  }));
}

/**
 * Canonical tokens → the `logprobs` of `response.output_text.delta` and `.done` events:
 * `{token, logprob, top_logprobs: [{token, logprob}]}`, without bytes, as OpenAI streams them
 * (ResponseTextDeltaEvent.Logprob).
 */
export function encodeResponsesStreamLogprobs(tokens: readonly TokenLogprob[]): unknown[] {
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    top_logprobs: token.topLogprobs.map((top) => ({ token: top.token, logprob: top.logprob })),
  }));
}
