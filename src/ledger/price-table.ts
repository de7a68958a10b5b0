/**
 * The price table (config/prices.toml, documented there) and exact cost arithmetic.
 * Money is integer micro-dollars; the sum is done in BigInt pico-dollars so large token
 * counts cannot lose precision, then rounded half up once per request.
 */
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import type { Usage } from "../canonical/types";
import defaultPricesText from "../../config/prices.toml" with { type: "text" };

/** Prices of one model, in pico-dollars per token (= dollars per 1M tokens × 1e6). */
export interface ModelPrice {
  pattern: string;
  inputPico: bigint;
  outputPico: bigint;
  cacheReadPico: bigint;
  cacheWritePico: bigint;
}

export interface PriceTable {
  entries: ModelPrice[];
  /** The price for a model name, or null when none matches. */
  find(model: string): ModelPrice | null;
}

function toPico(value: unknown, field: string, pattern: string): bigint {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`prices: ${field} of ${JSON.stringify(pattern)} must be a non-negative number (USD per 1M tokens)`);
  }
  // USD per 1M tokens equals micro-dollars per token; ×1e6 gives pico-dollars per token.
  return BigInt(Math.round(value * 1e6));
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

/** Build a table from parsed entries (see config/prices.toml for the matching rules). */
export function createPriceTable(entries: ModelPrice[]): PriceTable {
  const exact = new Map<string, ModelPrice>();
  const patterns: Array<{ price: ModelPrice; regexp: RegExp; specificity: number; order: number }> = [];
  entries.forEach((price, order) => {
    if (!price.pattern.includes("*")) {
      if (!exact.has(price.pattern)) exact.set(price.pattern, price);
      return;
    }
    patterns.push({ price, regexp: patternToRegExp(price.pattern), specificity: price.pattern.replaceAll("*", "").length, order });
  });
  // Most specific pattern first, then file order: matching is deterministic (upstream §5.20).
  patterns.sort((a, b) => b.specificity - a.specificity || a.order - b.order);
  return {
    entries,
    find(model) {
      return exact.get(model) ?? patterns.find((candidate) => candidate.regexp.test(model))?.price ?? null;
    },
  };
}

/** Parse the TOML text of a price file; throws with the entry at fault. */
export function parsePriceTable(text: string): PriceTable {
  const document = parse(text) as { prices?: unknown };
  const raw = document.prices ?? [];
  if (!Array.isArray(raw)) throw new Error("prices: expected [[prices]] entries");
  const entries = raw.map((item, index): ModelPrice => {
    const entry = item as Record<string, unknown>;
    if (typeof entry.model !== "string" || entry.model.length === 0) throw new Error(`prices: entry ${index + 1} needs a model name or pattern`);
    const pattern = entry.model;
    const input = toPico(entry.input ?? 0, "input", pattern);
    return {
      pattern,
      inputPico: input,
      outputPico: toPico(entry.output ?? 0, "output", pattern),
      cacheReadPico: entry.cache_read === undefined ? input : toPico(entry.cache_read, "cache_read", pattern),
      cacheWritePico: entry.cache_write === undefined ? input : toPico(entry.cache_write, "cache_write", pattern),
    };
  });
  return createPriceTable(entries);
}

/** The given price file, or the table embedded from config/prices.toml. */
export function loadPriceTable(file?: string): PriceTable {
  return parsePriceTable(file ? readFileSync(file, "utf8") : defaultPricesText);
}

/**
 * Cost of one request in integer micro-dollars. `usage.inputTokens` counts every prompt
 * token including cache reads and writes (canonical/types.ts), so the uncached part is what
 * remains after both; reasoning tokens are already inside outputTokens.
 */
export function computeCostMicroUsd(price: ModelPrice, usage: Usage): number {
  const cacheRead = BigInt(usage.cacheReadTokens);
  const cacheWrite = BigInt(usage.cacheWriteTokens);
  let uncached = BigInt(usage.inputTokens) - cacheRead - cacheWrite;
  if (uncached < 0n) uncached = 0n;
  const pico =
    uncached * price.inputPico + cacheRead * price.cacheReadPico + cacheWrite * price.cacheWritePico + BigInt(usage.outputTokens) * price.outputPico;
  // pico → micro, half up.
  return Number((pico + 500_000n) / 1_000_000n);
}
