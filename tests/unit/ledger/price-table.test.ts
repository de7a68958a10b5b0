import { expect, test } from "bun:test";
import { computeCostMicroUsd, loadPriceTable, parsePriceTable } from "../../../src/ledger/price-table";

const table = parsePriceTable(`
[[prices]]
model = "claude-sonnet-4*"
input = 3.00
output = 15.00
cache_read = 0.30
cache_write = 3.75

[[prices]]
model = "claude-*"
input = 1
output = 1

[[prices]]
model = "gpt-4o-mini*"
input = 0.15
output = 0.60
cache_read = 0.075

[[prices]]
model = "gpt-4o*"
input = 9
output = 9

[[prices]]
model = "gpt-4o"
input = 2.50
output = 10.00
`);

test("exact names beat patterns; the most specific pattern wins; unknown models have no price", () => {
  expect(table.find("gpt-4o")?.pattern).toBe("gpt-4o");
  expect(table.find("gpt-4o-mini-2024-07-18")?.pattern).toBe("gpt-4o-mini*");
  expect(table.find("gpt-4o-2024-08-06")?.pattern).toBe("gpt-4o*");
  expect(table.find("claude-sonnet-4-20250514")?.pattern).toBe("claude-sonnet-4*");
  expect(table.find("claude-3-5-haiku")?.pattern).toBe("claude-*");
  expect(table.find("mistral-large")).toBeNull();
  expect(table.find("xgpt-4o")).toBeNull();
});

test("cost: uncached input, cache reads and writes, output, in integer micro-dollars", () => {
  const sonnet = table.find("claude-sonnet-4-5")!;
  // 10 000 prompt tokens of which 6 000 cache reads and 2 000 cache writes, 1 000 output:
  // 2 000 × $3 + 6 000 × $0.30 + 2 000 × $3.75 + 1 000 × $15 per 1M tokens
  // = 6 000 + 1 800 + 7 500 + 15 000 micro-dollars.
  expect(computeCostMicroUsd(sonnet, { inputTokens: 10_000, outputTokens: 1_000, cacheReadTokens: 6_000, cacheWriteTokens: 2_000, reasoningTokens: 0 })).toBe(30_300);
  const mini = table.find("gpt-4o-mini")!;
  // 7 tokens × $0.075/1M = 0.525 µ$ → rounds half up to 1; 3 × $0.15 = 0.45 µ$; total 0.975 → 1.
  expect(computeCostMicroUsd(mini, { inputTokens: 10, outputTokens: 0, cacheReadTokens: 7, cacheWriteTokens: 0, reasoningTokens: 0 })).toBe(1);
  // Large counts stay exact: 3e9 tokens × $0.15/1M = $450 = 450 000 000 µ$.
  expect(computeCostMicroUsd(mini, { inputTokens: 3_000_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })).toBe(450_000_000);
  // Inconsistent counts (cache larger than input) never produce negative uncached input.
  expect(computeCostMicroUsd(table.find("gpt-4o")!, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1_000_000, cacheWriteTokens: 0, reasoningTokens: 0 })).toBe(2_500_000);
});

test("cache prices default to the input price", () => {
  const gpt = table.find("gpt-4o")!;
  expect(gpt.cacheReadPico).toBe(gpt.inputPico);
  expect(gpt.cacheWritePico).toBe(gpt.inputPico);
});

test("bad price files are refused with the entry named", () => {
  expect(() => parsePriceTable(`[[prices]]\nmodel = "x"\ninput = -1`)).toThrow(/input of "x"/);
  expect(() => parsePriceTable(`[[prices]]\ninput = 1`)).toThrow(/entry 1/);
  expect(() => parsePriceTable(`prices = 3`)).toThrow();
});

test("the embedded config/prices.toml parses and prices well-known models", () => {
  const defaults = loadPriceTable();
  expect(defaults.entries.length).toBeGreaterThan(5);
  expect(defaults.find("loopback")).not.toBeNull();
  expect(defaults.find("claude-sonnet-4-20250514")).not.toBeNull();
});

test("the models the README's own examples route to are priced, so a new user's rows are not all unpriced", () => {
  const defaults = loadPriceTable();
  // TOKLIGENCE_MODEL_ALIASES='…,fast=>claude-haiku-4-5' and Codex's gpt-5.5=>anthropic:claude-sonnet-4-6.
  for (const model of ["claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-sonnet-4-6", "gpt-4.1", "gpt-4.1-mini"]) expect({ model, priced: defaults.find(model) !== null }).toEqual({ model, priced: true });
  expect(computeCostMicroUsd(defaults.find("claude-haiku-4-5")!, { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })).toBe(6_000_000);
});

test("recent models with a published list price are priced; later families stay unpriced", () => {
  const defaults = loadPriceTable();
  // 1M tokens of each kind (inputTokens counts the cache reads and writes too).
  const usage = { inputTokens: 3_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000, reasoningTokens: 0 };
  const cost = (model: string) => {
    const price = defaults.find(model);
    return price === null ? null : computeCostMicroUsd(price, usage);
  };
  // input + output + cache read + cache write (OpenAI's cache writes bill as input).
  expect(cost("claude-opus-4-5")).toBe(5_000_000 + 25_000_000 + 500_000 + 6_250_000);
  expect(cost("claude-opus-4-5-20251101")).toBe(cost("claude-opus-4-5"));
  expect(cost("claude-opus-4-1-20250805")).toBe(15_000_000 + 75_000_000 + 1_500_000 + 18_750_000);
  expect(cost("claude-sonnet-4-5-20250929")).toBe(3_000_000 + 15_000_000 + 300_000 + 3_750_000);
  expect(cost("gpt-5.1")).toBe(1_250_000 + 10_000_000 + 125_000 + 1_250_000);
  expect(cost("gpt-5.1-2025-11-13")).toBe(cost("gpt-5.1"));
  expect(cost("gpt-5-mini-2025-08-07")).toBe(250_000 + 2_000_000 + 25_000 + 250_000);
  expect(cost("gpt-5-nano")).toBe(50_000 + 400_000 + 5_000 + 50_000);
  // Not verified against the vendor's own page, or a different price: unpriced, never guessed.
  expect(cost("gpt-5")).toBe(cost("gpt-5.1"));
  expect(cost("gpt-5-2025-08-07")).toBe(cost("gpt-5"));
  for (const model of ["gpt-5.2", "gpt-5.1-codex", "gpt-5-pro"]) expect({ model, price: defaults.find(model) }).toEqual({ model, price: null });
});
