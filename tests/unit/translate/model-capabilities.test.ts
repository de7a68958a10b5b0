import { describe, expect, test } from "bun:test";
import type { Protocol } from "../../../src/canonical/types";
import { ModelCapabilityTable } from "../../../src/proxy/model-capability-table";
import { applyModelOverride, outputCapOf } from "../../../src/translate/model-capabilities";
import { findTranslator } from "../../../src/translate/registry";
import type { TranslationContext } from "../../../src/translate/types";
import { makeContext } from "./support";

/** Translated requests fitted to what the target model takes (src/translate/model-capabilities.ts). */
function translate(client: Protocol, upstream: Protocol, upstreamModel: string, body: Record<string, unknown>, overrides: Partial<TranslationContext> = {}) {
  const notices: string[] = [];
  const debug: string[] = [];
  const ctx = makeContext(client, upstream, { upstreamModel, notice: (message) => void notices.push(message), debug: (message) => void debug.push(message), ...overrides });
  const out = findTranslator(client, upstream)!.buildUpstreamRequest({ model: "client-model", ...body }, ctx) as Record<string, any>;
  return { out, notices, debug, warnings: ctx.warnings };
}
const chat = (model: string, body: Record<string, unknown>, overrides: Partial<TranslationContext> = {}) =>
  translate("openai-chat", "anthropic", model, { messages: [{ role: "user", content: "x" }], ...body }, overrides);
const responses = (model: string, body: Record<string, unknown>, upstream: Protocol = "anthropic") => translate("openai-responses", upstream, model, { input: "x", ...body });

describe("thinking in the form the model takes", () => {
  test("a reasoning request to a Claude without thinking goes without it, with a notice (not a warning per request)", () => {
    const viaResponses = responses("claude-3-5-haiku-20241022", { reasoning: { effort: "high" } });
    expect(viaResponses.out.thinking).toBeUndefined();
    expect(viaResponses.out.output_config).toBeUndefined();
    expect(viaResponses.notices).toEqual(["thinking left out: the model has no extended thinking, so it answers without reasoning"]);
    expect(viaResponses.warnings).toEqual([]);
    expect(chat("anthropic.claude-3-haiku-20240307-v1:0", { reasoning_effort: "low" }).out.thinking).toBeUndefined();
  });

  test("a budget model gets a valid budget: at least 1,024, below max_tokens, the default raised within the model's maximum", () => {
    const high = responses("claude-sonnet-4-5-20250929", { reasoning: { effort: "high" } }).out;
    expect(high.thinking).toEqual({ type: "enabled", budget_tokens: 24_576 });
    expect(high.max_tokens).toBe(24_576 + 4_096);
    // Opus 4 outputs at most 32,000: the raised default stops there and the budget shrinks below it.
    const opus4 = chat("claude-opus-4-20250514", { reasoning_effort: "xhigh" }).out;
    expect(opus4.max_tokens).toBe(32_000);
    expect(opus4.thinking).toEqual({ type: "enabled", budget_tokens: 32_000 - 4_096 });
    expect(opus4.thinking.budget_tokens).toBeLessThan(opus4.max_tokens);
    // A client cap too high for the model is lowered first, then the budget fits under it.
    const capped = chat("claude-3-7-sonnet-20250219", { reasoning_effort: "high", max_completion_tokens: 100_000 }).out;
    expect(capped).toMatchObject({ max_tokens: 64_000, thinking: { type: "enabled", budget_tokens: 24_576 } });
    const small = chat("claude-sonnet-4-5", { reasoning_effort: "high", max_tokens: 2_100 }).out;
    expect(small.thinking.budget_tokens).toBeGreaterThanOrEqual(1_024);
    expect(small.thinking.budget_tokens).toBeLessThan(2_100);
  });

  test("adaptive-only models (Opus 4.7, Claude 5) get adaptive thinking and the effort, never a budget", () => {
    const { out } = responses("claude-opus-4-7", { reasoning: { effort: "high" } });
    expect(out.thinking).toEqual({ type: "adaptive" });
    expect(out.output_config).toEqual({ effort: "high" });
    expect(out.max_tokens).toBe(24_576 + 4_096);
    expect(chat("claude-sonnet-5", { reasoning_effort: "xhigh", max_tokens: 50_000 }).out).toMatchObject({ thinking: { type: "adaptive" }, output_config: { effort: "xhigh" }, max_tokens: 50_000 });
    expect(chat("claude-opus-5-5", { reasoning_effort: "minimal" }).out.thinking).toBeUndefined();
  });

  test("an Anthropic client's adaptive thinking (work_mode=translation) becomes a budget on models that know only budgets, and stays adaptive on 4.6", () => {
    const body = { max_tokens: 32_000, messages: [{ role: "user", content: "x" }], thinking: { type: "adaptive" }, output_config: { effort: "medium" } };
    const sonnet45 = translate("anthropic", "anthropic", "claude-sonnet-4-5", body).out;
    expect(sonnet45.thinking).toEqual({ type: "enabled", budget_tokens: 12_288 });
    expect(sonnet45.output_config).toBeUndefined();
    const opus46 = translate("anthropic", "anthropic", "claude-opus-4-6", body).out;
    expect(opus46).toMatchObject({ thinking: { type: "adaptive" }, output_config: { effort: "medium" } });
    // Claude Code's haiku-class budget on a Claude without thinking: left out, the cap clamped.
    const haiku = translate("anthropic", "anthropic", "claude-3-5-haiku-latest", { ...body, thinking: { type: "enabled", budget_tokens: 31_999 } }).out;
    expect(haiku).toMatchObject({ max_tokens: 8_192 });
    expect(haiku.thinking).toBeUndefined();
  });
});

describe("sampling and tool choice", () => {
  test("thinking on: temperature only at 1, no top_k, top_p only from 0.95", () => {
    const dropped = chat("claude-sonnet-4-5", { reasoning_effort: "low", temperature: 0.5, top_p: 0.9, top_k: 20 });
    expect(dropped.out.temperature).toBeUndefined();
    expect(dropped.out.top_p).toBeUndefined();
    expect(dropped.out.top_k).toBeUndefined();
    expect(dropped.warnings).toEqual(expect.arrayContaining([expect.stringContaining("temperature dropped"), expect.stringContaining("top_k dropped"), expect.stringContaining("top_p dropped")]));
    expect(chat("claude-sonnet-4-5", { reasoning_effort: "low", top_p: 0.97 }).out.top_p).toBe(0.97);
    // Thinking off (a model without it): the knobs go as asked.
    expect(chat("claude-3-5-haiku-latest", { reasoning_effort: "high", temperature: 0.2 }).out.temperature).toBe(0.2);
  });

  test("models that take only the default sampling get none of it, thinking or not", () => {
    const { out, notices } = chat("claude-opus-4-7", { temperature: 0.2, top_p: 0.5 });
    expect(out.temperature).toBeUndefined();
    expect(out.top_p).toBeUndefined();
    expect(notices).toEqual(["temperature, top_p and top_k left out: the model takes only its defaults"]);
  });

  test("a forced tool_choice is relaxed to auto under thinking, and always on models that refuse it", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }];
    expect(chat("claude-sonnet-4-5", { tools, tool_choice: "required", reasoning_effort: "low" }).out.tool_choice).toEqual({ type: "auto" });
    expect(chat("claude-sonnet-4-5", { tools, tool_choice: "required" }).out.tool_choice).toEqual({ type: "any" });
    const opus55 = chat("claude-opus-5-5", { tools, tool_choice: { type: "function", function: { name: "f" } } });
    expect(opus55.out.tool_choice).toEqual({ type: "auto" });
    expect(opus55.notices).toEqual(["tool_choice relaxed to auto: the model refuses a forced tool"]);
  });
});

describe("output caps", () => {
  test("a cap above the family's maximum is lowered to it (debug only); the gateway default too", () => {
    const codex = responses("claude-3-5-haiku-20241022", { max_output_tokens: 32_000 });
    expect(codex.out.max_tokens).toBe(8_192);
    expect(codex.debug).toEqual(["max_tokens lowered to the upstream model's maximum output"]);
    expect(codex.warnings).toEqual([]);
    expect(chat("claude-3-haiku-20240307", {}).out.max_tokens).toBe(4_096);
    expect(chat("claude-sonnet-4-5", { max_tokens: 1_000 }).out.max_tokens).toBe(1_000);
  });

  test("unknown models are never clamped; the provider's max_output_tokens still applies, the lower of the two wins", () => {
    expect(chat("my-self-hosted-model", { max_tokens: 200_000 }).out.max_tokens).toBe(200_000);
    expect(chat("my-self-hosted-model", { max_tokens: 200_000 }, { maxOutputTokens: 16_000 }).out.max_tokens).toBe(16_000);
    expect(chat("claude-3-5-haiku-latest", { max_tokens: 200_000 }, { maxOutputTokens: 16_000 }).out.max_tokens).toBe(8_192);
    expect(outputCapOf(makeContext("openai-chat", "anthropic", { upstreamModel: "claude-opus-4-1", maxOutputTokens: 20_000 }))).toBe(20_000);
  });

  test("OpenAI upstreams: Claude Code's 32k on gpt-4o is lowered to 16,384; reasoning left out for models without it", () => {
    const toChat = translate("anthropic", "openai-chat", "gpt-4o", { max_tokens: 32_000, messages: [{ role: "user", content: "x" }], thinking: { type: "enabled", budget_tokens: 8_000 } }, { providerName: "openai" });
    expect(toChat.out.max_completion_tokens).toBe(16_384);
    expect(toChat.out.reasoning_effort).toBeUndefined();
    expect(toChat.notices).toEqual(["reasoning_effort left out: the model does not support reasoning"]);
    const toResponses = translate("anthropic", "openai-responses", "gpt-4.1", { max_tokens: 64_000, messages: [{ role: "user", content: "x" }], thinking: { type: "enabled", budget_tokens: 8_000 } });
    expect(toResponses.out.max_output_tokens).toBe(32_768);
    expect(toResponses.out.reasoning).toBeUndefined();
    expect(translate("anthropic", "openai-responses", "gpt-5-codex", { max_tokens: 64_000, messages: [{ role: "user", content: "x" }], thinking: { type: "enabled", budget_tokens: 8_000 } }).out.reasoning).toEqual({ effort: "medium", summary: "auto" });
  });
});

describe("the operator's [models] entries over the family table", () => {
  test("thinking = false leaves reasoning out, true gives an unknown model either form; max_output_tokens replaces the family's", () => {
    expect(applyModelOverride({ thinking: "budget-only", maxOutputTokens: 64_000 }, { thinking: false })).toEqual({ thinking: "none", maxOutputTokens: 64_000 });
    expect(applyModelOverride({}, { thinking: true, maxOutputTokens: 32_768 })).toEqual({ thinking: "budget-or-adaptive", maxOutputTokens: 32_768 });
    expect(applyModelOverride({ thinking: "adaptive-only" }, { thinking: true })).toEqual({ thinking: "adaptive-only" });
    expect(applyModelOverride({ thinking: "none", maxOutputTokens: 8_192 }, { thinking: true })).toEqual({ thinking: "budget-or-adaptive", maxOutputTokens: 8_192 });
    // context_window replaces the family's window (truncation:"auto" trims to it).
    expect(applyModelOverride({ maxOutputTokens: 64_000, contextWindow: 200_000 }, { contextWindow: 1_000_000 })).toEqual({ maxOutputTokens: 64_000, contextWindow: 1_000_000 });
  });

  test("entries match the upstream name exactly (any case) or by pattern, exact first; unknown names keep the table's answer", () => {
    const table = new ModelCapabilityTable([
      { pattern: "my-qwen*", maxOutputTokens: 32_768, thinking: false },
      { pattern: "My-Qwen-Large", maxOutputTokens: 65_536 },
      { pattern: "claude-opus-9*", maxOutputTokens: 256_000, thinking: true },
    ]);
    expect(table.resolve("my-qwen-small")).toEqual({ thinking: "none", maxOutputTokens: 32_768 });
    expect(table.resolve("my-qwen-large")).toEqual({ maxOutputTokens: 65_536 });
    expect(table.resolve("claude-opus-9")).toEqual({ thinking: "budget-or-adaptive", maxOutputTokens: 256_000 });
    expect(table.resolve("claude-3-5-haiku-latest")).toEqual({ thinking: "none", maxOutputTokens: 8_192, contextWindow: 200_000 });
    expect(table.resolve("something-else")).toEqual({});
  });

  test("a configured model's limits reach the encoder through the context", () => {
    const capabilities = new ModelCapabilityTable([{ pattern: "local-llm", maxOutputTokens: 4_000, thinking: false }]).resolve("local-llm");
    const { out, notices } = chat("local-llm", { max_tokens: 10_000, reasoning_effort: "high" }, { capabilities });
    expect(out.max_tokens).toBe(4_000);
    expect(out.thinking).toBeUndefined();
    expect(notices).toHaveLength(1);
  });

  test("each limit is told once per provider and model", () => {
    const table = new ModelCapabilityTable([]);
    expect(table.isFirstNotice("anthropic", "claude-3-5-haiku-latest", "thinking left out")).toBe(true);
    expect(table.isFirstNotice("anthropic", "claude-3-5-haiku-latest", "thinking left out")).toBe(false);
    expect(table.isFirstNotice("openrouter", "claude-3-5-haiku-latest", "thinking left out")).toBe(true);
    expect(table.isFirstNotice("anthropic", "claude-3-haiku-20240307", "thinking left out")).toBe(true);
  });
});
