/**
 * A request's cost for the cost counter: the ledger's arithmetic (price-table.ts
 * computeCostMicroUsd: integer micro-dollars, rounded half up once per request) in plain numbers.
 * The ledger's BigInt sum allocates on every call; here the prices are converted once per model
 * and the sum stays exact as long as it is a safe integer (pico-dollars below 2^53, i.e. about
 * $9,000 in one request), with the BigInt version beyond that.
 */
import { computeCostMicroUsd, type ModelPrice } from "../ledger/price-table";

/** A model's prices in pico-dollars per token, as numbers. */
export interface NumericPrice {
  source: ModelPrice;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export function toNumericPrice(price: ModelPrice): NumericPrice {
  return { source: price, input: Number(price.inputPico), output: Number(price.outputPico), cacheRead: Number(price.cacheReadPico), cacheWrite: Number(price.cacheWritePico) };
}

/**
 * Cost in integer micro-dollars of sanitised counts (non-negative integers; `input` includes
 * cache reads and writes, as in canonical Usage). Equal to computeCostMicroUsd for the same counts.
 */
export function costMicroUsd(price: NumericPrice, input: number, output: number, cacheRead: number, cacheWrite: number): number {
  let uncached = input - cacheRead - cacheWrite;
  if (uncached < 0) uncached = 0;
  const pico = uncached * price.input + cacheRead * price.cacheRead + cacheWrite * price.cacheWrite + output * price.output;
  // Every term is non-negative, so a sum that is a safe integer had exact terms and partial sums.
  if (pico > Number.MAX_SAFE_INTEGER) return computeCostMicroUsd(price.source, { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, reasoningTokens: 0 });
  // pico → micro, half up; `%` and the division of a multiple are exact on safe integers.
  const remainder = pico % 1_000_000;
  return (pico - remainder) / 1_000_000 + (remainder >= 500_000 ? 1 : 0);
}
