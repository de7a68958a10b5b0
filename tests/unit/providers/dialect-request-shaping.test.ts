import { describe, expect, test } from "bun:test";
import { resolveChatDialect } from "../../../src/providers/chat-dialect";
import { applyChatDialect } from "../../../src/providers/dialects/apply-chat-dialect";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "../translate/support";

/** What each dialect's per-model rules make of a Chat body (src/providers/dialects/). */
const dialectOf = (baseUrl: string) => resolveChatDialect({ kind: "openai-compatible", baseUrl });
const gemini = dialectOf("https://generativelanguage.googleapis.com/v1beta/openai/");
const xai = dialectOf("https://api.x.ai/v1");
const deepseek = dialectOf("https://api.deepseek.com");

/** A translated request from `client` for `upstreamModel` on `dialect`. */
function translate(client: "anthropic" | "openai-chat", body: Record<string, unknown>, dialect: ReturnType<typeof dialectOf>, upstreamModel: string): Record<string, unknown> {
  const ctx = makeContext(client, "openai-chat", { providerName: "p", upstreamModel, chatDialect: dialect });
  return findTranslator(client, "openai-chat")!.buildUpstreamRequest(body, ctx);
}
const chat = (fields: Record<string, unknown>): Record<string, unknown> => ({ model: "m", messages: [{ role: "user", content: "hi" }], ...fields });
const anthropic = (fields: Record<string, unknown> = {}) => ({ model: "claude-x", max_tokens: 1024, messages: [{ role: "user", content: "hi" }], ...fields });

describe("dialects known from their URLs", () => {
  test("Gemini's OpenAI endpoint and xAI", () => {
    expect(gemini.name).toBe("gemini");
    expect(xai.name).toBe("xai");
    expect(gemini).toMatchObject({ maxTokensField: "max_tokens", reasoningField: "none", omitFields: ["seed", "frequency_penalty", "store", "prompt_cache_key"] });
    expect(xai.reasoningField).toBe("none");
  });

  test("a body nothing changes is returned as it is (a native body is not copied)", () => {
    const body = chat({ reasoning_effort: "high" });
    expect(applyChatDialect(body, gemini, { model: "gemini-2.5-flash", reasoningOff: false })).toBe(body);
    const minimal = chat({ reasoning_effort: "minimal" });
    expect(applyChatDialect(minimal, gemini, { model: "gemini-2.5-flash", reasoningOff: false })).not.toBe(minimal);
    expect(minimal.reasoning_effort).toBe("minimal");
  });
});

describe("Gemini: reasoning_effort in the levels its endpoint takes", () => {
  const effortFor = (effort: string, model: string) => applyChatDialect(chat({ reasoning_effort: effort }), gemini, { model, reasoningOff: false }).reasoning_effort;

  test("minimal goes as low, xhigh as high; none, low, medium, high as they are", () => {
    expect(effortFor("minimal", "gemini-3-flash-preview")).toBe("low");
    expect(effortFor("xhigh", "gemini-2.5-flash")).toBe("high");
    for (const level of ["none", "low", "medium", "high"]) expect(effortFor(level, "gemini-2.5-flash")).toBe(level);
  });

  test("Pro models cannot stop thinking: none goes as low; Gemini 3 Pro has no medium", () => {
    expect(effortFor("none", "gemini-2.5-pro")).toBe("low");
    expect(effortFor("none", "gemini-3-pro-preview")).toBe("low");
    expect(effortFor("medium", "gemini-3-pro-preview")).toBe("high");
    expect(effortFor("medium", "gemini-2.5-pro")).toBe("medium");
  });

  test("models before 2.5 do not think: no reasoning_effort", () => {
    expect("reasoning_effort" in applyChatDialect(chat({ reasoning_effort: "low" }), gemini, { model: "gemini-2.0-flash", reasoningOff: false })).toBe(false);
  });

  test("a translated Claude Code request: no seed, no store, no frequency_penalty; max_tokens; thinking budget as a level", () => {
    const out = translate("openai-chat", chat({ seed: 1, store: true, frequency_penalty: 0.2, presence_penalty: 0.1, max_completion_tokens: 500, reasoning_effort: "minimal" }), gemini, "gemini-3-flash-preview");
    expect(out).toMatchObject({ max_tokens: 500, reasoning_effort: "low", presence_penalty: 0.1 });
    for (const field of ["seed", "store", "frequency_penalty", "max_completion_tokens"]) expect(field in out).toBe(false);
  });
});

describe("xAI: reasoning_effort only where a model takes it; no penalties for reasoning models", () => {
  const shape = (model: string, fields: Record<string, unknown>) => applyChatDialect(chat(fields), xai, { model, reasoningOff: false });

  test("grok-4, grok-4-fast, grok-4-1-fast, grok-4.20, grok-code-fast-1 get no reasoning_effort", () => {
    for (const model of ["grok-4", "grok-4-0709", "grok-4-fast-reasoning", "grok-4-1-fast-reasoning", "grok-4.20-reasoning", "grok-code-fast-1", "grok-3"]) {
      expect("reasoning_effort" in shape(model, { reasoning_effort: "high" })).toBe(false);
    }
  });

  test("grok-3-mini takes low or high; grok-4.3 takes none, low, medium, high", () => {
    expect(shape("grok-3-mini", { reasoning_effort: "medium" }).reasoning_effort).toBe("high");
    expect(shape("grok-3-mini", { reasoning_effort: "minimal" }).reasoning_effort).toBe("low");
    expect(shape("grok-3-mini", { reasoning_effort: "none" }).reasoning_effort).toBe("low");
    expect(shape("grok-4.3", { reasoning_effort: "none" }).reasoning_effort).toBe("none");
    expect(shape("grok-4.3", { reasoning_effort: "medium" }).reasoning_effort).toBe("medium");
    expect(shape("grok-4.3", { reasoning_effort: "xhigh" }).reasoning_effort).toBe("high");
  });

  test("reasoning models lose presence_penalty and frequency_penalty, keep stop; non-reasoning models keep all", () => {
    const penalties = { presence_penalty: 0.5, frequency_penalty: 0.5, stop: ["END"] };
    const reasoning = shape("grok-4-fast-reasoning", penalties);
    expect(reasoning).toMatchObject({ stop: ["END"] });
    expect("presence_penalty" in reasoning || "frequency_penalty" in reasoning).toBe(false);
    expect(shape("grok-4-fast-non-reasoning", penalties)).toMatchObject(penalties);
    expect(shape("grok-3", penalties)).toMatchObject(penalties);
  });

  test("Claude Code's thinking budget reaches grok-3-mini as high and grok-4 not at all", () => {
    const request = anthropic({ thinking: { type: "enabled", budget_tokens: 31_999 } });
    expect(translate("anthropic", request, xai, "grok-3-mini").reasoning_effort).toBe("high");
    expect("reasoning_effort" in translate("anthropic", request, xai, "grok-4")).toBe(false);
  });
});

describe("DeepSeek: thinking turned off in the words DeepSeek documents", () => {
  test("an Anthropic request without thinking, or with thinking disabled: thinking {type: disabled}", () => {
    expect(translate("anthropic", anthropic(), deepseek, "deepseek-v4-flash")).toMatchObject({ thinking: { type: "disabled" } });
    expect(translate("anthropic", anthropic({ thinking: { type: "disabled" } }), deepseek, "deepseek-v4-pro")).toMatchObject({ thinking: { type: "disabled" } });
  });

  test("an Anthropic request that thinks: no toggle (thinking is DeepSeek's default), its effort", () => {
    const out = translate("anthropic", anthropic({ thinking: { type: "enabled", budget_tokens: 31_999 } }), deepseek, "deepseek-v4-flash");
    expect("thinking" in out).toBe(false);
    expect(out.reasoning_effort).toBe("high");
  });

  test("Chat reasoning_effort none: the toggle instead of a level DeepSeek's Chat format lacks; minimal stays a level", () => {
    const off = translate("openai-chat", chat({ reasoning_effort: "none" }), deepseek, "deepseek-v4-flash");
    expect(off).toMatchObject({ thinking: { type: "disabled" } });
    expect("reasoning_effort" in off).toBe(false);
    expect(translate("openai-chat", chat({ reasoning_effort: "minimal" }), deepseek, "deepseek-v4-flash")).toMatchObject({ reasoning_effort: "minimal" });
    expect("thinking" in translate("openai-chat", chat({}), deepseek, "deepseek-v4-flash")).toBe(false);
  });

  test("a native Chat body: none becomes the toggle; a client's own thinking field is kept", () => {
    expect(applyChatDialect(chat({ reasoning_effort: "none" }), deepseek, { model: "deepseek-v4-flash", reasoningOff: false })).toEqual(chat({ thinking: { type: "disabled" } }));
    const own = chat({ thinking: { type: "enabled" }, reasoning_effort: "high" });
    expect(applyChatDialect(own, deepseek, { model: "deepseek-v4-flash", reasoningOff: true })).toBe(own);
  });

  test("other dialects get no toggle", () => {
    expect("thinking" in translate("anthropic", anthropic(), dialectOf("http://127.0.0.1:8000/v1"), "deepseek-v4-flash")).toBe(false);
  });
});
