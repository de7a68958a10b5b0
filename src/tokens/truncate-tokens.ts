/**
 * Text cut to at most `tokens` tokens of the gateway's estimator (o200k_base, as the ledger's
 * estimates): an answer the gateway trims back to a cap the upstream would not take (CC02).
 * The upstream's own tokenizer may differ, so the cut is close to the cap, not exact.
 *
 * The o200k table costs ~0.3 s and ~40 MB to evaluate, and only requests whose cap was raised
 * need it, so it is loaded on first use (loadTokenTrimmer, awaited by handle-request.ts before
 * such a request goes upstream), never at start-up.
 */
type O200k = typeof import("gpt-tokenizer/encoding/o200k_base");

let tokenizer: O200k | undefined;
let loading: Promise<void> | undefined;

export function loadTokenTrimmer(): Promise<void> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then(
    (module) => {
      tokenizer = module;
    },
    (error: unknown) => {
      loading = undefined; // retried by the next request that needs it
      throw error;
    },
  );
  return loading;
}

function loaded(): O200k {
  if (!tokenizer) throw new Error("the token trimmer was used before loadTokenTrimmer() resolved");
  return tokenizer;
}

export function truncateToTokens(text: string, tokens: number): string {
  if (tokens <= 0 || text === "") return "";
  // Counting is cheap next to encoding a long text whole: most deltas fit as they are.
  if (text.length <= tokens) return text;
  const { countTokens, decode, encode } = loaded();
  if (countTokens(text) <= tokens) return text;
  return decode(encode(text).slice(0, tokens)).replace(/\uFFFD+$/, "");
}

export function countEstimatedTokens(text: string): number {
  return text === "" ? 0 : loaded().countTokens(text);
}
