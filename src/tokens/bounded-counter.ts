import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

/**
 * Token estimates with a bounded cost (the count_tokens estimate and the ledger's estimates both
 * run on the main thread, where a slow count stalls every other request).
 *
 * Two costs are cut. BPE merging is quadratic in the length of a run without whitespace (100 KB
 * of one letter took 38 s), so long runs are counted in short slices; the count of such a run
 * (base64, minified code, a repeated character) barely changes. And each request gets a budget
 * of characters counted exactly; text beyond it is extrapolated at the tokens-per-character
 * ratio seen so far, so a 32 MB body costs about as much as its first 256 KB.
 */
const RUN_SLICE = 128;
const LONG_RUN = new RegExp(`\\S{${RUN_SLICE + 1},}`, "g");
const EXACT_BUDGET_CHARS = 256 * 1024;
/** Before anything was counted: a typical ratio for English and code. */
const DEFAULT_TOKENS_PER_CHAR = 0.3;

export type TokenCounter = (text: string) => number;

/** A counter for one request: exact for its first 256 KB of text, extrapolated after. */
export function createTokenCounter(budgetChars = EXACT_BUDGET_CHARS): TokenCounter {
  let left = budgetChars;
  let countedChars = 0;
  let countedTokens = 0;
  return (text) => {
    if (text === "") return 0;
    if (left <= 0) return Math.ceil(text.length * ratio());
    const exactPart = text.length <= left ? text : text.slice(0, left);
    const tokens = countWithoutLongRuns(exactPart);
    left -= exactPart.length;
    countedChars += exactPart.length;
    countedTokens += tokens;
    return tokens + Math.ceil((text.length - exactPart.length) * ratio());
  };

  function ratio(): number {
    return countedChars > 0 ? countedTokens / countedChars : DEFAULT_TOKENS_PER_CHAR;
  }
}

/** BPE count with every run of more than 128 non-space characters counted in 128-character slices. */
function countWithoutLongRuns(text: string): number {
  if (text.length <= RUN_SLICE) return countTokens(text);
  let total = 0;
  let start = 0;
  LONG_RUN.lastIndex = 0;
  for (let match = LONG_RUN.exec(text); match !== null; match = LONG_RUN.exec(text)) {
    if (match.index > start) total += countTokens(text.slice(start, match.index));
    const run = match[0];
    for (let at = 0; at < run.length; at += RUN_SLICE) total += countTokens(run.slice(at, at + RUN_SLICE));
    start = match.index + run.length;
  }
  if (start < text.length) total += countTokens(text.slice(start));
  return total;
}
