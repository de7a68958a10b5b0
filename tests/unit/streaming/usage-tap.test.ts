import { describe, expect, test } from "bun:test";
import { UsageTap } from "../../../src/streaming/usage-tap";

/** The tap skips parsing events that cannot carry usage, an error or the end; these must still count. */
describe("UsageTap on native streams", () => {
  test("Anthropic: usage from message_start and message_delta, end at message_stop, deltas ignored", () => {
    const tap = new UsageTap("anthropic");
    expect(tap.observe({ event: "message_start", data: '{"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}' })).toBe(false);
    expect(tap.observe({ event: "content_block_delta", data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}' })).toBe(false);
    expect(tap.observe({ event: "message_delta", data: '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}' })).toBe(false);
    expect(tap.completed()).toBe(false);
    // An upstream that omits `event:` lines is judged by the payload.
    expect(tap.observe({ data: '{"type":"message_stop"}' })).toBe(true);
    expect(tap.usage()).toMatchObject({ inputTokens: 15, cacheReadTokens: 5, outputTokens: 7 });
    expect(tap.usageReported()).toBe(true);
  });

  test("Anthropic: a message_delta repeating input_tokens without the cache counts (null) keeps them in the total", () => {
    for (const delta of ['{"input_tokens":10,"output_tokens":7}', '{"input_tokens":10,"cache_read_input_tokens":null,"cache_creation_input_tokens":null,"output_tokens":7}']) {
      const tap = new UsageTap("anthropic");
      tap.observe({ event: "message_start", data: '{"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":1}}}' });
      tap.observe({ event: "message_delta", data: `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":${delta}}` });
      expect({ delta, usage: tap.usage() }).toMatchObject({ delta, usage: { inputTokens: 115, cacheReadTokens: 100, cacheWriteTokens: 5, outputTokens: 7 } });
    }
  });

  test("Anthropic: an error event is noticed", () => {
    const tap = new UsageTap("anthropic");
    tap.observe({ event: "error", data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' });
    expect(tap.upstreamError).toContain("overloaded_error");
  });

  test("Chat: usage chunk and [DONE]; an error chunk is noticed; plain deltas carry nothing", () => {
    const tap = new UsageTap("openai-chat");
    expect(tap.observe({ data: '{"choices":[{"index":0,"delta":{"content":"usage is a word"}}]}' })).toBe(false);
    expect(tap.usageReported()).toBe(false);
    tap.observe({ data: '{"choices":[],"usage":{"prompt_tokens":42,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":2}}}' });
    tap.observe({ data: '{"error":{"message":"boom"}}' });
    expect(tap.observe({ data: "[DONE]" })).toBe(true);
    expect(tap.usage()).toMatchObject({ inputTokens: 42, outputTokens: 20, cacheReadTokens: 2 });
    expect(tap.upstreamError).toContain("boom");
  });

  test("Responses: usage and end from response.completed; deltas ignored", () => {
    const tap = new UsageTap("openai-responses");
    expect(tap.observe({ event: "response.output_text.delta", data: '{"type":"response.output_text.delta","delta":"hi"}' })).toBe(false);
    expect(tap.observe({ event: "response.completed", data: '{"type":"response.completed","response":{"usage":{"input_tokens":9,"output_tokens":3}}}' })).toBe(true);
    expect(tap.usage()).toMatchObject({ inputTokens: 9, outputTokens: 3 });
  });
});
