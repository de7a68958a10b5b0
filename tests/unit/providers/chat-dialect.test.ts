import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";
import { chatDialectOf, renameDialectFields, resolveChatDialect } from "../../../src/providers/chat-dialect";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "../translate/support";

/** Which Chat dialect a provider gets, and what the Chat encoder writes for it. */
describe("resolving a provider's Chat dialect", () => {
  test("from a well-known base URL, with any path; other hosts are generic; kind openai is OpenAI's", () => {
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.deepseek.com/v1" }).name).toBe("deepseek");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.deepseek.com" }).name).toBe("deepseek");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.mistral.ai/v1" }).name).toBe("mistral");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.groq.com/openai/v1" }).name).toBe("groq");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://openrouter.ai/api/v1" }).name).toBe("openrouter");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" }).name).toBe("generic");
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.deepseek.com.evil.test/v1" }).name).toBe("generic");
    expect(resolveChatDialect({ kind: "openai", baseUrl: "https://my-proxy.test/v1" }).name).toBe("openai");
  });

  test("omit_fields adds to the dialect's own", () => {
    expect(resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.mistral.ai/v1", omitFields: ["metadata"] }).omitFields).toEqual(["stream_options", "user", "service_tier", "prompt_cache_key", "metadata"]);
  });

  test("Mistral's seed goes as random_seed; other dialects keep seed", () => {
    const mistral = resolveChatDialect({ kind: "openai-compatible", baseUrl: "https://api.mistral.ai/v1" });
    const body: Record<string, unknown> = { model: "m", seed: 7 };
    renameDialectFields(body, mistral);
    expect(body).toEqual({ model: "m", random_seed: 7 });
    const generic = resolveChatDialect({ kind: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" });
    const untouched: Record<string, unknown> = { model: "m", seed: 7 };
    renameDialectFields(untouched, generic);
    expect(untouched).toEqual({ model: "m", seed: 7 });
  });

  test("a declared dialect wins over the URL; the field keys win over the dialect", () => {
    const declared = resolveChatDialect({ kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", dialect: "deepseek", reasoningField: "reasoning", maxTokensField: "max_completion_tokens" });
    expect(declared).toMatchObject({ name: "deepseek", reasoningField: "reasoning", maxTokensField: "max_completion_tokens", reasoningOnEveryTurn: true });
  });

  test("from TOML-style keys through the config loader; a wrong value names the key", () => {
    const env = { TOKLIGENCE_PROVIDERS__LOCAL__KIND: "openai-compatible", TOKLIGENCE_PROVIDERS__LOCAL__BASE_URL: "http://127.0.0.1:11434/v1" };
    const { config } = loadConfig({ configDir: "/nonexistent", env: { ...env, TOKLIGENCE_PROVIDERS__LOCAL__REASONING_FIELD: "reasoning" } });
    expect(config.providers.find((p) => p.name === "local")!.chatDialect).toMatchObject({ name: "generic", reasoningField: "reasoning" });
    expect(() => loadConfig({ configDir: "/nonexistent", env: { ...env, TOKLIGENCE_PROVIDERS__LOCAL__DIALECT: "deepsek" } })).toThrow(/providers\.local\.dialect/);
  });

  test("a context without a provider dialect: OpenAI's for the provider named openai, generic otherwise", () => {
    expect(chatDialectOf({ providerName: "openai" }).name).toBe("openai");
    expect(chatDialectOf({ providerName: "vllm", providerKind: "openai-compatible" }).name).toBe("generic");
  });
});

describe("the Chat encoder per dialect (K07)", () => {
  const translator = findTranslator("anthropic", "openai-chat")!;
  const history = {
    model: "claude-x",
    max_tokens: 1024,
    messages: [
      { role: "user", content: "go" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "done" }] },
      { role: "assistant", content: [{ type: "thinking", thinking: "done it", signature: "" }, { type: "text", text: "Done." }] },
      { role: "user", content: "again" },
    ],
  };
  const assistants = (providerDialect: Parameters<typeof resolveChatDialect>[0]) => {
    const ctx = makeContext("anthropic", "openai-chat", { providerName: "p", chatDialect: resolveChatDialect(providerDialect) });
    const out = translator.buildUpstreamRequest(history, ctx) as { messages: Array<Record<string, unknown>>; max_tokens?: number; max_completion_tokens?: number };
    return { out, assistants: out.messages.filter((m) => m.role === "assistant") };
  };

  test("DeepSeek: every replayed assistant turn carries reasoning_content, empty when the turn had none", () => {
    const { assistants: sent } = assistants({ kind: "openai-compatible", baseUrl: "https://api.deepseek.com" });
    expect(sent.map((m) => m.reasoning_content)).toEqual(["", "done it"]);
  });

  test("generic servers: reasoning only on tool-call turns that had it (nothing invented); `reasoning` when configured", () => {
    expect(assistants({ kind: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" }).assistants.map((m) => "reasoning_content" in m)).toEqual([false, false]);
    const withTool = { kind: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1", reasoningField: "reasoning" as const };
    const ctx = makeContext("anthropic", "openai-chat", { chatDialect: resolveChatDialect(withTool) });
    const out = translator.buildUpstreamRequest({ ...history, messages: [history.messages[0], { role: "assistant", content: [{ type: "thinking", thinking: "plan", signature: "" }, { type: "tool_use", id: "t1", name: "f", input: {} }] }, history.messages[2]] }, ctx) as { messages: Array<Record<string, unknown>> };
    expect(out.messages[1]).toMatchObject({ reasoning: "plan" });
    expect(out.messages[1]!.reasoning_content).toBeUndefined();
  });

  test("the output cap's name follows the dialect: OpenAI's max_completion_tokens, max_tokens elsewhere unless configured", () => {
    expect(assistants({ kind: "openai", baseUrl: "https://api.openai.com/v1" }).out).toMatchObject({ max_completion_tokens: 1024 });
    expect(assistants({ kind: "openai-compatible", baseUrl: "https://api.deepseek.com" }).out).toMatchObject({ max_tokens: 1024 });
    expect(assistants({ kind: "openai-compatible", baseUrl: "http://x.test/v1", maxTokensField: "max_completion_tokens" }).out.max_completion_tokens).toBe(1024);
  });
});

describe("Mistral's message order (M06)", () => {
  const translator = findTranslator("anthropic", "openai-chat")!;
  test("images after tool results (tool messages hold text only) follow a short assistant turn; text joins the tool message", () => {
    const ctx = makeContext("anthropic", "openai-chat", { upstreamModel: "mistral-large-latest" });
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } };
    const out = translator.buildUpstreamRequest(
      {
        model: "claude-x",
        max_tokens: 100,
        messages: [
          { role: "user", content: "look" },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }, { type: "tool_use", id: "t2", name: "shot", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "first" }, { type: "tool_result", tool_use_id: "t2", content: "second" }, image] },
        ],
      },
      ctx,
    ) as { messages: Array<Record<string, unknown>> };
    expect(out.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "tool", "assistant", "user"]);
    expect(out.messages[4]!.content).toBe("Tool results received.");
  });
});
