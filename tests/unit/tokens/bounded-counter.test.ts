import { describe, expect, test } from "bun:test";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { createTokenCounter } from "../../../src/tokens/bounded-counter";

describe("bounded token counter", () => {
  test("ordinary text within the budget is counted exactly as the BPE counts it", () => {
    const text = "The gateway keeps an exact ledger of every token.\nfunction f(x) { return x * 2; }\n".repeat(50);
    expect(createTokenCounter()(text)).toBe(countTokens(text));
  });

  test("a run without whitespace is counted in 128-character slices (BPE is quadratic in its length)", () => {
    const run = "QUJD".repeat(2_000); // base64-like, 8,000 characters
    const slices = Array.from({ length: Math.ceil(run.length / 128) }, (_, index) => countTokens(run.slice(index * 128, (index + 1) * 128)));
    expect(createTokenCounter()(`before ${run} after`)).toBe(countTokens("before ") + slices.reduce((a, b) => a + b, 0) + countTokens(" after"));
    // 100 KB of one letter took 38 s unsliced, stalling every request; now it is an ordinary count.
    expect(createTokenCounter()("a".repeat(100_000))).toBeGreaterThan(10_000);
  });

  test("beyond the request's budget, text is extrapolated at the ratio counted so far", () => {
    const count = createTokenCounter(1_000);
    const sample = "word ".repeat(200); // exactly the budget
    const exact = count(sample);
    expect(exact).toBe(countTokens(sample));
    // Nothing more is tokenised: the next text is charged at the same tokens per character.
    expect(count("x".repeat(10_000))).toBe(Math.ceil(10_000 * (exact / 1_000)));
    // A text straddling the budget is split: its head exact, its tail extrapolated.
    const fresh = createTokenCounter(10);
    expect(fresh("hello world, hello")).toBe(countTokens("hello worl") + Math.ceil(8 * (countTokens("hello worl") / 10)));
  });
});
