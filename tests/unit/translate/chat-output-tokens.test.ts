import { expect, test } from "bun:test";
import { chatOutputTokens } from "../../../src/canonical/usage";

/** Chat completion_tokens with reasoning counted beside them (xAI) or inside them (OpenAI). */
test("reasoning is added only when the total says it was counted beside completion_tokens", () => {
  expect(chatOutputTokens(30, 5, 200, 235)).toBe(205); // xAI
  expect(chatOutputTokens(30, 205, 200, 235)).toBe(205); // OpenAI: already inside
  expect(chatOutputTokens(30, 5, 200, undefined)).toBe(5); // no total: as reported
  expect(chatOutputTokens(30, 5, 0, 35)).toBe(5);
  expect(chatOutputTokens(undefined, undefined, 200, 235)).toBeUndefined();
});
