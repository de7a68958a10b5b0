import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { loadFixture, makeContext, normalizeIds, parseSse } from "./support";

/**
 * Golden wire fixtures (tests/fixtures/anthropic-chat): a hand-made client or upstream input
 * and the exact wire output the gateway must produce. Generated ids are normalised.
 */
describe("golden: Anthropic client → Chat upstream (A→O)", () => {
  test("M01 M02 M03 M06 C03 C04 H05 H08 S04 S05 S08 S09 S15 TC01 TC03 P02 P03 P06 P07 P10: Claude Code request → Chat request", () => {
    const ctx = makeContext("anthropic", "openai-chat", { upstreamModel: "gpt-4.1", providerName: "openai", maxOutputTokens: 16384 });
    const body = findTranslator("anthropic", "openai-chat")!.buildUpstreamRequest(loadFixture("a2o-request-claude-code.input.json"), ctx);
    expect(body).toEqual(loadFixture("a2o-request-claude-code.expected.json"));
    expect(ctx.warnings).toContain("dropped a built-in tool the Chat upstream cannot run");
  });

  test("SA01–SA09 SA13 TC05 N02 N04 K04 K11: Chat stream with reasoning, text, two parallel tool calls, usage after finish → Anthropic events", () => {
    const ctx = makeContext("anthropic", "openai-chat", { clientModel: "claude-sonnet-4-6", upstreamModel: "deepseek-chat" });
    const stream = findTranslator("anthropic", "openai-chat")!.createStreamTranslator(ctx);
    const out = loadFixture<SseEvent[]>("a2o-stream-parallel-tools.input.json").flatMap((e) => stream.push(e));
    out.push(...stream.end());
    expect(parseSse(out)).toEqual(loadFixture("a2o-stream-parallel-tools.expected.json"));
    expect(stream.usage()).toEqual({ inputTokens: 1200, outputTokens: 80, cacheReadTokens: 1000, cacheWriteTokens: 0, reasoningTokens: 10 });
    expect(stream.usageReported()).toBe(true);
    expect(stream.completed()).toBe(true);
  });
});

describe("golden: Chat client → Anthropic upstream (O→A)", () => {
  test("M03 M08 M09 M12 M14 C01 H01 H11 TC01 TC03 P01 P04 P05 P07 P10 P11 J01: Chat request → Anthropic request", () => {
    const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", maxOutputTokens: 64000 });
    const body = findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest(loadFixture("o2a-request.input.json"), ctx);
    expect(body).toEqual(loadFixture("o2a-request.expected.json"));
  });

  test("SC01–SC05 N01 N03 SA10: Anthropic stream with thinking, text, tool_use → Chat chunks with include_usage", () => {
    const ctx = makeContext("openai-chat", "anthropic", {
      clientModel: "gpt-4o-alias",
      upstreamModel: "claude-sonnet-4-6",
      clientBody: { stream_options: { include_usage: true } },
    });
    const stream = findTranslator("openai-chat", "anthropic")!.createStreamTranslator(ctx);
    const out = loadFixture<SseEvent[]>("o2a-stream-thinking-tool.input.json").flatMap((e) => stream.push(e));
    out.push(...stream.end());
    expect(parseSse(out)).toEqual(loadFixture("o2a-stream-thinking-tool.expected.json"));
    expect(normalizeIds(stream.usage())).toEqual({ inputTokens: 550, outputTokens: 42, cacheReadTokens: 500, cacheWriteTokens: 30, reasoningTokens: 0 });
    expect(stream.completed()).toBe(true);
  });
});
