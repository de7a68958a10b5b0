import { describe, expect, test } from "bun:test";
import { needsResponsesApi } from "../../../src/proxy/responses-only-needs";

describe("S09: requests only a provider's Responses API serves", () => {
  test("Anthropic: the server web search of any version, alone or beside other tools", () => {
    expect(needsResponsesApi("anthropic", { tools: [{ type: "web_search_20250305", name: "web_search" }] })).toBe(true);
    expect(needsResponsesApi("anthropic", { tools: [{ name: "Read", input_schema: {} }, { type: "web_search_20260101", name: "web_search" }] })).toBe(true);
  });

  test("Anthropic: client tools, other server tools, a function merely named web_search, and odd entries do not", () => {
    expect(needsResponsesApi("anthropic", {})).toBe(false);
    expect(needsResponsesApi("anthropic", { tools: [{ name: "web_search", input_schema: {} }, { type: "custom", name: "x" }] })).toBe(false);
    expect(needsResponsesApi("anthropic", { tools: [{ type: "web_fetch_20250910", name: "web_fetch" }, { type: "bash_20250124", name: "bash" }] })).toBe(false);
    expect(needsResponsesApi("anthropic", { tools: [null, 3, "web_search_20250305"] })).toBe(false);
    expect(needsResponsesApi("anthropic", { tools: { type: "web_search_20250305" } })).toBe(false);
  });

  test("Chat: web_search_options as an object (an empty one asks for the defaults)", () => {
    expect(needsResponsesApi("openai-chat", { web_search_options: {} })).toBe(true);
    expect(needsResponsesApi("openai-chat", { web_search_options: { search_context_size: "high" } })).toBe(true);
    expect(needsResponsesApi("openai-chat", { web_search_options: null })).toBe(false);
    expect(needsResponsesApi("openai-chat", {})).toBe(false);
  });

  test("counting and other operations stay where they are", () => {
    expect(needsResponsesApi("anthropic-count-tokens", { tools: [{ type: "web_search_20250305", name: "web_search" }] })).toBe(false);
    expect(needsResponsesApi("openai-embeddings", { web_search_options: {} })).toBe(false);
  });
});
