import { describe, expect, test } from "bun:test";
import { addCacheBreakpoints } from "../../../src/protocols/anthropic/cache-breakpoints";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/** Q04: prompt-cache breakpoints for OpenAI and Responses clients on Anthropic upstreams. */
const markers = (body: any): string[] => {
  const found: string[] = [];
  (body.system ?? []).forEach((block: any, i: number) => block.cache_control && found.push(`system[${i}]`));
  (body.tools ?? []).forEach((tool: any, i: number) => tool.cache_control && found.push(`tools[${i}]`));
  body.messages.forEach((message: any, m: number) => {
    if (Array.isArray(message.content)) message.content.forEach((block: any, b: number) => block.cache_control && found.push(`messages[${m}][${b}]`));
  });
  return found;
};

const chatBody = {
  model: "gpt-x",
  tools: [
    { type: "function", function: { name: "read", parameters: { type: "object", properties: {} } } },
    { type: "function", function: { name: "write", parameters: { type: "object", properties: {} } } },
  ],
  messages: [
    { role: "system", content: "You are a coding agent." },
    { role: "user", content: "Read a.txt" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "read", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "call_1", content: "contents of a.txt" },
  ],
};

describe("Q04 cache breakpoints", () => {
  test("an OpenAI Chat agent turn on Claude: last two user turns, system and last tool, four in all", () => {
    const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", anthropicPromptCache: true });
    const out = findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest(chatBody, ctx) as any;
    // messages[0] is the first user turn, messages[2] the tool result (a user turn on Anthropic).
    expect(markers(out).sort()).toEqual(["messages[0][0]", "messages[2][0]", "system[0]", "tools[1]"]);
    expect(out.messages[2].content[0]).toMatchObject({ type: "tool_result", cache_control: { type: "ephemeral" } });
  });

  test("a Responses client (Codex) on Claude is marked too", () => {
    const ctx = makeContext("openai-responses", "anthropic", { upstreamModel: "claude-sonnet-4-6", anthropicPromptCache: true });
    const out = findTranslator("openai-responses", "anthropic")!.buildUpstreamRequest({ model: "gpt-x", instructions: "Be brief.", input: "hello" }, ctx) as any;
    expect(markers(out).sort()).toEqual(["messages[0][0]", "system[0]"]);
  });

  test("switched off, nothing is marked", () => {
    const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", anthropicPromptCache: false });
    expect(markers(findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest(chatBody, ctx))).toEqual([]);
  });

  test("the client's own markers count against Anthropic's limit of four", () => {
    const body: any = {
      system: [{ type: "text", text: "s", cache_control: { type: "ephemeral" } }],
      tools: [{ name: "t", input_schema: {}, cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "one", cache_control: { type: "ephemeral", ttl: "1h" } }] },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: "two" },
      ],
    };
    addCacheBreakpoints(body);
    expect(markers(body)).toEqual(["system[0]", "tools[0]", "messages[0][0]", "messages[2][0]"]);
    // The client's own 1h marker is kept as it was.
    expect(body.messages[0].content[0].cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
    addCacheBreakpoints(body);
    expect(markers(body).length).toBe(4);
  });

  test("a Chat client's own cache_control on content parts and tools (OpenRouter's and LiteLLM's convention) reaches Claude, one-hour ttl kept", () => {
    const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", anthropicPromptCache: true });
    const body = {
      model: "gpt-x",
      tools: [{ type: "function", function: { name: "read", parameters: { type: "object", properties: {} } }, cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "system", content: [{ type: "text", text: "A long manual.", cache_control: { type: "ephemeral", ttl: "1h" } }, { type: "text", text: "Be brief." }] },
        { role: "user", content: [{ type: "text", text: "A long document.", cache_control: { type: "ephemeral" } }, { type: "text", text: "Summarise it." }] },
      ],
    };
    const out = findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest(body, ctx) as any;
    expect(out.system[0].cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
    expect(out.tools[0].cache_control).toEqual({ type: "ephemeral" });
    expect(out.messages[0].content[0].cache_control).toEqual({ type: "ephemeral" });
    // The gateway adds its own only up to four in all.
    expect(markers(out)).toEqual(["system[0]", "tools[0]", "messages[0][0]", "messages[0][1]"]);
  });

  test("nothing is marked before the client's last one-hour marker (Anthropic refuses a five-minute marker ahead of a one-hour one)", () => {
    const body: any = {
      system: [{ type: "text", text: "s" }],
      tools: [{ name: "t", input_schema: {} }],
      messages: [
        { role: "user", content: "one" },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: [{ type: "text", text: "two", cache_control: { type: "ephemeral", ttl: "1h" } }, { type: "text", text: "and three" }] },
      ],
    };
    addCacheBreakpoints(body);
    expect(markers(body)).toEqual(["messages[2][0]", "messages[2][1]"]);
  });

  test("never on thinking blocks or empty text", () => {
    const body: any = {
      system: [{ type: "text", text: "  " }],
      messages: [
        { role: "user", content: "" },
        { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "sig" }] },
        { role: "user", content: [{ type: "text", text: "" }] },
      ],
    };
    addCacheBreakpoints(body);
    expect(markers(body)).toEqual([]);
    expect(body.messages[0].content).toBe("");
  });
});
