import { describe, expect, test } from "bun:test";
import { findContextWindow } from "../../../src/proxy/context-window-refusals";
import { RefusedFields } from "../../../src/proxy/refused-fields";

describe("findContextWindow: the window a provider names when it refuses a prompt as too long", () => {
  test.each([
    ["OpenAI, vLLM, DeepSeek", "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.", 128000],
    ["Anthropic", "prompt is too long: 215000 tokens > 200000 maximum", 200000],
    ["Mistral", "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length", 32768],
    ["Gemini", "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", 1048576],
    ["xAI", "This model's maximum prompt length is 131072 but the request contains 140000 tokens.", 131072],
    ["llama.cpp", "the request exceeds the available context size (4096 tokens), try increasing it", 4096],
    ["inside a JSON body", JSON.stringify({ error: { message: "prompt is too long: 9 tokens > 8 maximum" } }), 8],
  ])("%s", (_provider, text, window) => {
    expect(findContextWindow(text)).toBe(window);
  });

  test("a refusal that names no window, or an error of another kind, teaches nothing", () => {
    expect(findContextWindow("prompt is too long")).toBeUndefined();
    expect(findContextWindow("max_tokens must be less than or equal to `16384`")).toBeUndefined();
    expect(findContextWindow("maximum context length is 0 tokens")).toBeUndefined();
  });
});

describe("RefusedFields: context windows learned per provider and model", () => {
  test("remembered per pair; a smaller figure replaces a larger one, never the reverse", () => {
    const learned = new RefusedFields();
    expect(learned.contextWindowFor("vllm", "qwen")).toBeUndefined();
    expect(learned.rememberContextWindow("vllm", "qwen", 32768)).toBe(true);
    expect(learned.rememberContextWindow("vllm", "qwen", 65536)).toBe(false);
    expect(learned.contextWindowFor("vllm", "qwen")).toBe(32768);
    expect(learned.rememberContextWindow("vllm", "qwen", 16384)).toBe(true);
    expect(learned.contextWindowFor("vllm", "qwen")).toBe(16384);
    expect(learned.contextWindowFor("groq", "qwen")).toBeUndefined();
  });
});
