/**
 * Budget reservations for requests translated to Anthropic (output-cap.ts, output-ceiling.ts):
 * translation always sends `max_tokens` (the client's cap, else gateway.default_max_tokens,
 * raised for the thinking asked for, fitted to the model and the provider), and the reservation
 * counts exactly that, by the encoder's own rule (protocols/anthropic/max-tokens.ts), not the
 * model's largest output: an uncapped Codex request to Claude Opus 4.7 reserves 8,192 tokens,
 * not 128,000.
 */
import { describe, expect, test } from "bun:test";
import type { Protocol } from "../../../src/canonical/types";
import type { ProviderConfig } from "../../../src/config/types";
import { outputCapOf } from "../../../src/limits/output-cap";
import { createOutputCeiling } from "../../../src/limits/output-ceiling";
import type { UpstreamOperation } from "../../../src/providers/endpoints";
import { ModelCapabilityTable } from "../../../src/proxy/model-capability-table";
import type { RouteTarget } from "../../../src/routing/router";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "../translate/support";

const table = new ModelCapabilityTable([{ pattern: "claude-local*", maxOutputTokens: 4000 }]);
const bounds = { ceilingOf: createOutputCeiling(table, 8192), fallback: 8192 };
const toClaude = (upstreamModel: string, maxOutputTokens?: number, translate = true): RouteTarget => ({
  provider: { name: "anthropic", ...(maxOutputTokens ? { maxOutputTokens } : {}) } as ProviderConfig,
  providerName: "anthropic",
  upstreamModel,
  upstreamProtocol: "anthropic",
  translate,
});
const opus47 = toClaude("claude-opus-4-7"); // adaptive thinking only, 128,000 output tokens at most
const sonnet45 = toClaude("claude-sonnet-4-5"); // thinking budgets only, 64,000
const input = [{ role: "user", content: "hi" }];
const codex = (extra: Record<string, unknown> = {}) => ({ model: "codex", input, stream: true, ...extra });
const chat = (extra: Record<string, unknown> = {}) => ({ model: "chat", messages: input, ...extra });

describe("the output a request translated to Anthropic reserves", () => {
  test("uncapped: gateway.default_max_tokens, which translation sends, not the model's 128,000", () => {
    expect(outputCapOf("openai-responses", codex(), opus47, bounds)).toBe(8192);
    expect(outputCapOf("openai-chat", chat(), toClaude("claude-sonnet-4-6"), bounds)).toBe(8192);
    expect(outputCapOf("openai-chat", chat({ stream: true }), sonnet45, bounds)).toBe(8192);
    // Another default is what is sent, so what is reserved; a model nobody knows gets it too (not limits.default_output_tokens).
    expect(outputCapOf("openai-responses", codex(), opus47, { ceilingOf: createOutputCeiling(table, 2048), fallback: 8192 })).toBe(2048);
    expect(outputCapOf("openai-responses", codex(), toClaude("mystery-model"), { ceilingOf: createOutputCeiling(table, 2048), fallback: 8192 })).toBe(2048);
  });

  test("with reasoning and no cap: the thinking room translation raises max_tokens to (budget for the effort + 4,096 for the answer)", () => {
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "high" } }), opus47, bounds)).toBe(24_576 + 4096);
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "medium", summary: "auto" } }), opus47, bounds)).toBe(12_288 + 4096);
    // A summary alone asks for reasoning at the default effort (medium).
    expect(outputCapOf("openai-responses", codex({ reasoning: { summary: "auto" } }), opus47, bounds)).toBe(12_288 + 4096);
    expect(outputCapOf("openai-chat", chat({ reasoning_effort: "xhigh" }), sonnet45, bounds)).toBe(32_768 + 4096);
    // Room no larger than the default leaves the default.
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "low" } }), opus47, bounds)).toBe(8192);
    // Effort none or minimal is thinking off on Claude; a model without thinking gets none.
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "minimal" } }), opus47, bounds)).toBe(8192);
    expect(outputCapOf("openai-chat", chat({ reasoning_effort: "none" }), opus47, bounds)).toBe(8192);
    expect(outputCapOf("openai-chat", chat({ reasoning_effort: "high" }), toClaude("claude-3-5-haiku-20241022"), bounds)).toBe(8192);
  });

  test("the model's maximum, an operator's [models] max_output_tokens and the provider's max_output_tokens bound it", () => {
    expect(outputCapOf("openai-responses", codex(), toClaude("claude-3-haiku-20240307"), bounds)).toBe(4096);
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "high" } }), toClaude("claude-local-1"), bounds)).toBe(4000);
    expect(outputCapOf("openai-responses", codex({ reasoning: { effort: "high" } }), toClaude("claude-opus-4-7", 6000), bounds)).toBe(6000);
    expect(outputCapOf("openai-chat", chat(), toClaude("claude-opus-4-7", 2000), bounds)).toBe(2000);
  });

  test("a client's cap is kept (it counts the reasoning too), lowered to what the model takes", () => {
    expect(outputCapOf("openai-responses", codex({ max_output_tokens: 1000, reasoning: { effort: "high" } }), opus47, bounds)).toBe(1000);
    expect(outputCapOf("openai-chat", chat({ max_completion_tokens: 200_000 }), sonnet45, bounds)).toBe(64_000);
  });

  test("Anthropic clients translated to Anthropic (work_mode translation): their thinking budget plus room for the answer", () => {
    const body = { model: "m", messages: input, thinking: { type: "enabled", budget_tokens: 50_000 } };
    expect(outputCapOf("anthropic", body, toClaude("claude-opus-4-6"), bounds)).toBe(54_096);
  });

  test("native requests keep reserving the model's largest output when uncapped, their own cap otherwise", () => {
    expect(outputCapOf("anthropic", { model: "m", messages: input }, toClaude("claude-opus-4-7", undefined, false), bounds)).toBe(128_000);
    expect(outputCapOf("anthropic", { model: "m", messages: input, max_tokens: 100_000 }, toClaude("claude-opus-4-7", 2000, false), bounds)).toBe(100_000);
  });
});

/** The max_tokens the translator really sends for `body` to `target`, with the context the proxy builds (upstream-request.ts). */
function sentMaxTokens(client: Protocol, body: Record<string, unknown>, target: RouteTarget, defaultMaxTokens = 8192): number {
  const provider = target.provider === "loopback" ? undefined : target.provider;
  const ctx = makeContext(client, "anthropic", { upstreamModel: target.upstreamModel, defaultMaxTokens, capabilities: table.resolve(target.upstreamModel), maxOutputTokens: provider?.maxOutputTokens });
  return findTranslator(client, "anthropic")!.buildUpstreamRequest(body, ctx).max_tokens as number;
}

describe("the reservation and the translation agree (one rule, protocols/anthropic/max-tokens.ts)", () => {
  const cases: [UpstreamOperation & Protocol, Record<string, unknown>, RouteTarget][] = [];
  const targets = [opus47, sonnet45, toClaude("claude-opus-4-6"), toClaude("claude-3-haiku-20240307"), toClaude("claude-local-1"), toClaude("claude-opus-4-7", 6000), toClaude("mystery-model")];
  const reasonings = [undefined, "minimal", "low", "medium", "high", "xhigh"];
  for (const target of targets) {
    for (const effort of reasonings) {
      cases.push(["openai-responses", codex(effort ? { reasoning: { effort } } : {}), target]);
      cases.push(["openai-chat", chat(effort ? { reasoning_effort: effort } : {}), target]);
      cases.push(["openai-responses", codex({ max_output_tokens: 20_000, ...(effort ? { reasoning: { effort } } : {}) }), target]);
    }
    cases.push(["openai-responses", codex({ reasoning: { summary: "detailed" } }), target]);
    cases.push(["anthropic", { model: "m", messages: input, thinking: { type: "adaptive" }, output_config: { effort: "high" } }, target]);
    cases.push(["anthropic", { model: "m", messages: input, thinking: { type: "enabled", budget_tokens: 40_000 } }, target]);
  }

  test("for every model, effort and cap, the reserved output is the max_tokens sent", () => {
    for (const [client, body, target] of cases) {
      expect({ client, body, model: target.upstreamModel, reserved: outputCapOf(client, body, target, bounds) }).toEqual({ client, body, model: target.upstreamModel, reserved: sentMaxTokens(client, body, target) });
    }
  });

  test("only when translation turns the thinking off (a tool loop without Claude's signed thinking) is less sent than reserved", () => {
    const loop = {
      model: "codex",
      reasoning: { effort: "high" },
      input: [...input, { type: "function_call", call_id: "c1", name: "shell", arguments: "{}" }, { type: "function_call_output", call_id: "c1", output: "ok" }],
    };
    expect(sentMaxTokens("openai-responses", loop, opus47)).toBe(8192);
    expect(outputCapOf("openai-responses", loop, opus47, bounds)).toBe(24_576 + 4096);
  });
});
