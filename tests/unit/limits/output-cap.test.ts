/**
 * The output a budget reservation counts for one route target (output-cap.ts,
 * output-ceiling.ts): the client's cap, as translation lowers it; without a cap, the model's
 * largest output (an uncapped request may use it all), and only for a model nobody knows the
 * configured default.
 */
import { describe, expect, test } from "bun:test";
import type { ProviderConfig } from "../../../src/config/types";
import { outputCapOf } from "../../../src/limits/output-cap";
import { createOutputCeiling } from "../../../src/limits/output-ceiling";
import { ModelCapabilityTable } from "../../../src/proxy/model-capability-table";
import type { RouteTarget } from "../../../src/routing/router";

const provider = (maxOutputTokens?: number) => ({ name: "p", ...(maxOutputTokens ? { maxOutputTokens } : {}) }) as ProviderConfig;
const target = (upstreamModel: string, upstreamProtocol: RouteTarget["upstreamProtocol"], translate = false, maxOutputTokens?: number): RouteTarget => ({
  provider: provider(maxOutputTokens),
  providerName: "p",
  upstreamModel,
  upstreamProtocol,
  translate,
});
const table = new ModelCapabilityTable([{ pattern: "my-local*", maxOutputTokens: 4000 }]);
const bounds = { ceilingOf: createOutputCeiling(table, 8192), fallback: 8192 };
const unknown = target("mystery-model", "openai-chat");
const gpt4o = target("gpt-4o", "openai-chat"); // 16,384 output tokens at most

describe("outputCapOf", () => {
  test("the client's cap in its protocol's field, the largest of several, times Chat's n; none for embeddings", () => {
    expect(outputCapOf("openai-chat", { max_tokens: 100 }, unknown, bounds)).toBe(100);
    // The gateway's own translation (and vLLM) take max_completion_tokens over max_tokens: the larger is reserved.
    expect(outputCapOf("openai-chat", { max_tokens: 100, max_completion_tokens: 50 }, unknown, bounds)).toBe(100);
    expect(outputCapOf("openai-chat", { max_tokens: 1, max_completion_tokens: 5000 }, unknown, bounds)).toBe(5000);
    expect(outputCapOf("openai-chat", { max_tokens: 10, n: 3 }, unknown, bounds)).toBe(30);
    expect(outputCapOf("openai-chat", { max_tokens: 10, n: 1e9 }, unknown, bounds)).toBe(1280);
    expect(outputCapOf("openai-chat", { max_tokens: 10, n: "3" }, unknown, bounds)).toBe(10);
    expect(outputCapOf("openai-responses", { max_output_tokens: 70 }, unknown, bounds)).toBe(70);
    expect(outputCapOf("anthropic", { max_tokens: 30 }, unknown, bounds)).toBe(30);
    expect(outputCapOf("openai-embeddings", { max_tokens: 5 }, unknown, bounds)).toBe(0);
    expect(outputCapOf("anthropic-count-tokens", { max_tokens: 5 }, unknown, bounds)).toBe(0);
  });

  test("without a cap: the model's largest output when the table knows it, the configured default only when nobody does", () => {
    expect(outputCapOf("openai-chat", {}, gpt4o, bounds)).toBe(16_384);
    expect(outputCapOf("openai-chat", { n: 2 }, gpt4o, bounds)).toBe(32_768);
    expect(outputCapOf("openai-chat", { max_tokens: "lots" }, gpt4o, bounds)).toBe(16_384);
    expect(outputCapOf("openai-responses", {}, target("gpt-5", "openai-responses"), bounds)).toBe(128_000);
    expect(outputCapOf("openai-responses", {}, unknown, bounds)).toBe(8192);
    expect(outputCapOf("openai-chat", { n: 2 }, unknown, bounds)).toBe(16_384);
    // The operator's [models."…"] entry counts like the table's own figures.
    expect(outputCapOf("openai-chat", {}, target("my-local-llama", "openai-chat"), bounds)).toBe(4000);
  });

  test("a translated cap above the model's largest output reserves only that (translation lowers it); a native one is reserved as sent", () => {
    expect(outputCapOf("openai-chat", { max_tokens: 200_000 }, target("claude-sonnet-4-5", "anthropic", true), bounds)).toBe(64_000);
    expect(outputCapOf("anthropic", { max_tokens: 100_000 }, target("gpt-4o", "openai-chat", true), bounds)).toBe(16_384);
    // Native bodies go as sent, and an upstream may allow more than the table says (Claude 3.7 Sonnet's 128k beta header).
    expect(outputCapOf("anthropic", { max_tokens: 128_000 }, target("claude-3-7-sonnet-20250219", "anthropic"), bounds)).toBe(128_000);
    expect(outputCapOf("openai-chat", { max_tokens: 100_000, n: 2 }, gpt4o, bounds)).toBe(200_000);
    expect(outputCapOf("openai-chat", { max_tokens: 100_000 }, unknown, bounds)).toBe(100_000);
  });

  test("a provider's max_output_tokens bounds translated requests that carry a cap, not native ones or uncapped ones it never lowers", () => {
    // Chat client to an Anthropic provider capped at 2,000: translation always sends a cap, lowered to 2,000.
    expect(outputCapOf("openai-chat", {}, target("claude-sonnet-4-5", "anthropic", true, 2000), bounds)).toBe(2000);
    expect(outputCapOf("openai-chat", { max_tokens: 50_000 }, target("claude-sonnet-4-5", "anthropic", true, 2000), bounds)).toBe(2000);
    expect(outputCapOf("openai-chat", { max_tokens: 50_000 }, target("mystery-model", "openai-responses", true, 2000), bounds)).toBe(2000);
    // Translated without a cap to an OpenAI upstream: none is sent, so the provider's figure does not bound it.
    expect(outputCapOf("anthropic", {}, target("gpt-4o", "openai-chat", true, 2000), bounds)).toBe(16_384);
    // Native: the body goes as sent, the provider's figure is not applied.
    expect(outputCapOf("openai-chat", { max_tokens: 9000 }, target("gpt-4o", "openai-chat", false, 2000), bounds)).toBe(9000);
  });
});
