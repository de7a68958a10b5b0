import type { TokenLogprob } from "../../canonical/types";
import { tokenBytes } from "../../canonical/token-bytes";
import { asRecord } from "../wire-values";

/** Chat `choices[].logprobs` (and a chunk's): the tokens of `content`; refusals carry none here. */
export function encodeChatLogprobs(tokens: readonly TokenLogprob[]): { content: unknown[]; refusal: null } {
  return {
    content: tokens.map((token) => ({
      token: token.token,
      logprob: token.logprob,
      bytes: tokenBytes(token),
      top_logprobs: token.topLogprobs.map((top) => ({ token: top.token, logprob: top.logprob, bytes: tokenBytes(top) })),
    })),
    refusal: null,
  };
}

/**
 * A Chat choice's (or chunk choice's) `logprobs` → canonical tokens of its `content`, when the
 * request asked with `logprobs: true` (P09). `{content: [{token, logprob, bytes, top_logprobs}],
 * refusal}`; `bytes` may be null. Lenient: null, an empty list or entries without a token and a
 * number read as none, so a client gets `logprobs` only where the upstream gave some.
 */
export function decodeChatLogprobs(raw: unknown): TokenLogprob[] | undefined {
  const content = asRecord(raw)?.content;
  if (!Array.isArray(content)) return undefined;
  const tokens: TokenLogprob[] = [];
  for (const entry of content) {
    const token = decodeToken(entry);
    if (!token) continue;
    const alternatives = asRecord(entry)!.top_logprobs;
    tokens.push({ ...token, topLogprobs: Array.isArray(alternatives) ? alternatives.flatMap((top) => decodeToken(top) ?? []) : [] });
  }
  return tokens.length > 0 ? tokens : undefined;
}

function decodeToken(entry: unknown): { token: string; logprob: number; bytes?: number[] } | undefined {
  const record = asRecord(entry);
  if (!record || typeof record.token !== "string" || typeof record.logprob !== "number" || !Number.isFinite(record.logprob)) return undefined;
  const bytes = Array.isArray(record.bytes) && record.bytes.every((byte) => typeof byte === "number") ? (record.bytes as number[]) : undefined;
  return { token: record.token, logprob: record.logprob, ...(bytes ? { bytes } : {}) };
}
