import { beforeAll, describe, expect, test } from "bun:test";
import type { CanonicalEvent, CanonicalResponse } from "../../../src/canonical/types";
import { findTranslator } from "../../../src/translate/registry";
import { createOutputTrimmer, trimResponse } from "../../../src/translate/output-floor";
import { loadTokenTrimmer, truncateToTokens } from "../../../src/tokens/truncate-tokens";
import { emptyUsage } from "../../../src/canonical/usage";
import { makeContext } from "./support";

/** CC02: a cap below the provider's minimum is raised upstream, the answer trimmed back. */
const usage = { ...emptyUsage(), inputTokens: 10, outputTokens: 16 };

// Loaded on first use in the product (handle-request.ts awaits it for a raised cap), never at start-up.
beforeAll(loadTokenTrimmer);

describe("CC02 output floor", () => {
  test("encoders raise a cap below min_output_tokens and remember the client's; a cap at or above it goes as is", () => {
    const probe = { model: "claude-x", max_tokens: 1, messages: [{ role: "user", content: "quota" }] };
    const chatCtx = makeContext("anthropic", "openai-chat", { minOutputTokens: 16 });
    expect((findTranslator("anthropic", "openai-chat")!.buildUpstreamRequest(probe, chatCtx) as Record<string, unknown>).max_tokens).toBe(16);
    expect(chatCtx.outputTrim).toBe(1);
    const anthropicCtx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6", minOutputTokens: 8 });
    const chatProbe = { model: "gpt-x", max_tokens: 2, messages: [{ role: "user", content: "quota" }] };
    expect((findTranslator("openai-chat", "anthropic")!.buildUpstreamRequest(chatProbe, anthropicCtx) as Record<string, unknown>).max_tokens).toBe(8);
    expect(anthropicCtx.outputTrim).toBe(2);
    const plain = makeContext("anthropic", "openai-chat", { minOutputTokens: 16 });
    expect((findTranslator("anthropic", "openai-chat")!.buildUpstreamRequest({ ...probe, max_tokens: 16 }, plain) as Record<string, unknown>).max_tokens).toBe(16);
    expect(plain.outputTrim).toBeUndefined();
    // Without the option the probe reaches the upstream as 1.
    const none = makeContext("anthropic", "openai-chat");
    expect((findTranslator("anthropic", "openai-chat")!.buildUpstreamRequest(probe, none) as Record<string, unknown>).max_tokens).toBe(1);
  });

  test("truncateToTokens keeps whole text under the cap and cuts longer text to about that many tokens", () => {
    expect(truncateToTokens("Hi", 1)).toBe("Hi");
    expect(truncateToTokens("Hello there, how are you today?", 3)).toBe("Hello there,");
    expect(truncateToTokens("anything", 0)).toBe("");
  });

  test("a whole answer: text cut, later blocks dropped, stop reason max_tokens; usage kept; a short one untouched", () => {
    const response: CanonicalResponse = {
      id: "m",
      model: "x",
      content: [
        { type: "text", text: "Hello there, how are you today?" },
        { type: "tool_call", id: "c", name: "f", arguments: "{}", kind: "function" },
      ],
      stopReason: "tool_use",
      usage,
    };
    expect(trimResponse(response, 3)).toEqual({ ...response, content: [{ type: "text", text: "Hello there," }], stopReason: "max_tokens", stopSequence: undefined });
    const short: CanonicalResponse = { ...response, content: [{ type: "text", text: "Hi" }], stopReason: "end_turn" };
    expect(trimResponse(short, 3)).toBe(short);
  });

  test("a stream: deltas cut at the budget, nothing opens after it, the finish says max_tokens, usage passes", () => {
    const trim = createOutputTrimmer(3);
    const events: CanonicalEvent[] = [
      { type: "message_start", id: "m", model: "x" },
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "Hello there," },
      { type: "text_delta", index: 0, text: " how are you?" },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "tool_call", id: "c", name: "f", kind: "function" } },
      { type: "tool_args_delta", index: 1, fragment: "{}" },
      { type: "block_stop", index: 1 },
      { type: "finish", stopReason: "tool_use" },
      { type: "usage", usage },
      { type: "message_stop" },
    ];
    expect(events.flatMap(trim)).toEqual([
      events[0]!,
      events[1]!,
      events[2]!,
      events[4]!,
      { type: "finish", stopReason: "max_tokens" },
      events[9]!,
      events[10]!,
    ]);
  });
});
