import { expect, test } from "bun:test";
import { findOutputCap } from "../../../src/proxy/output-cap-refusals";

/** The cap each provider's 400 asks for, in its own words (raw body text, as the gateway reads it). */
const cases: Array<[string, unknown, number, ReturnType<typeof findOutputCap>]> = [
  ["Groq", { error: { message: "`max_tokens` must be less than or equal to `16384`", type: "invalid_request_error" } }, 32_000, { cap: 16_384, fixed: true }],
  ["Groq, per model", { error: { message: "max_tokens for `llama-3.1-8b-instant` must be less than or equal to 8000", type: "invalid_request_error" } }, 32_000, { cap: 8_000, fixed: true }],
  ["Groq, max_completion_tokens", { message: "max_completion_tokens must be less than or equal to 40960, the maximum value for max_completion_tokens is less than the context_window for this model" }, 128_000, { cap: 40_960, fixed: true }],
  ["OpenAI", { error: { message: "max_tokens is too large: 128000. This model supports at most 16384 completion tokens, whereas you provided 128000.", code: "invalid_value" } }, 128_000, { cap: 16_384, fixed: true }],
  ["DeepSeek's older models", { error: { message: "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]", type: "invalid_request_error" } }, 32_000, { cap: 8_192, fixed: true }],
  ["Gemini", [{ error: { code: 400, message: "Unable to submit request because it has a maxOutputTokens value of 128000 but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again." } }], 128_000, { cap: 65_536, fixed: true }],
  ["vLLM", { object: "error", message: "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 32768 tokens and your request has 1200 input tokens (32000 > 32768 - 1200).", code: 400 }, 32_000, { cap: 31_568, fixed: false }],
  ["OpenAI-style window", { error: { message: "This model's maximum context length is 32768 tokens. However, you requested 33200 tokens (1200 in the messages, 32000 in the completion)." } }, 32_000, { cap: 31_568, fixed: false }],
  ["a prompt that alone fills the window (a context overflow, not a cap)", { error: { message: "This model's maximum context length is 32768 tokens. However, you requested 72000 tokens (40000 in the messages, 32000 in the completion)." } }, 32_000, undefined],
  ["a cap that is not lower than the one sent", { error: { message: "`max_tokens` must be less than or equal to `16384`" } }, 8_000, undefined],
  // Google words every out-of-range field this way: only the output cap's may lower the cap.
  ["Gemini, another field's range", [{ error: { code: 400, message: "Unable to submit request because it has a topK value of 64 but the supported range is from 1 (inclusive) to 41 (exclusive). Update the value and try again." } }], 32_000, undefined],
  ["an unrelated refusal", { error: { message: "property 'stop' is unsupported" } }, 32_000, undefined],
];

test.each(cases)("%s", (_label, body, requested, expected) => {
  expect(findOutputCap(JSON.stringify(body), requested)).toEqual(expected);
});
