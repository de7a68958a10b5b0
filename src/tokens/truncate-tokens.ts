import { countTokens, decode, encode } from "gpt-tokenizer/encoding/o200k_base";

/**
 * Text cut to at most `tokens` tokens of the gateway's estimator (o200k_base, as the ledger's
 * estimates): an answer the gateway trims back to a cap the upstream would not take (CC02).
 * The upstream's own tokenizer may differ, so the cut is close to the cap, not exact.
 */
export function truncateToTokens(text: string, tokens: number): string {
  if (tokens <= 0 || text === "") return "";
  // Counting is cheap next to encoding a long text whole: most deltas fit as they are.
  if (text.length <= tokens || countTokens(text) <= tokens) return text;
  return decode(encode(text).slice(0, tokens)).replace(/\uFFFD+$/, "");
}

export { countTokens as countEstimatedTokens };
