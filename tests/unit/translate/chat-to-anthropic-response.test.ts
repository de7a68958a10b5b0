import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, normalizeIds, parseSse } from "./support";

/** O→A response side: Anthropic upstream replies and streams → Chat client. */
const translator = findTranslator("openai-chat", "anthropic")!;
const ctx = (clientBody?: Record<string, unknown>) => makeContext("openai-chat", "anthropic", { clientModel: "gpt-4o", upstreamModel: "claude-sonnet-4-6", clientBody });
const ev = (type: string, payload: Record<string, unknown> = {}): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

describe("O→A non-streaming responses", () => {
  test("N01 N03 N06 SC04: Anthropic message → Chat completion (tool_use, cache usage, reasoning_content)", () => {
    const { body, usage } = translator.translateResponse(
      {
        id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-6",
        content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "text", text: "Calling." },
          { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } },
        ],
        stop_reason: "tool_use", stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
      },
      ctx(),
    );
    expect(normalizeIds(body)).toEqual({
      id: "chatcmpl-<generated>", object: "chat.completion", created: 0, model: "gpt-4o",
      choices: [{
        index: 0,
        message: {
          role: "assistant", content: "Calling.", refusal: null, reasoning_content: "hmm",
          // The signed thinking, for a client that hands the message back on the next turn.
          reasoning_details: [{ type: "reasoning.text", text: "hmm", signature: "sig", format: "anthropic-claude-v1", index: 0 }],
          tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
        finish_reason: "tool_calls", logprobs: null,
      }],
      usage: { prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(usage).toEqual({ inputTokens: 130, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 20, reasoningTokens: 0 });
  });

  test("N01 stop_reason table", () => {
    const finish = (stop: string) => (translator.translateResponse({ content: [{ type: "text", text: "x" }], stop_reason: stop }, ctx()).body as any).choices[0].finish_reason;
    expect(["end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal", "pause_turn", "model_context_window_exceeded"].map(finish)).toEqual(["stop", "stop", "length", "tool_calls", "content_filter", "stop", "length"]);
  });

  test("N08 N09 empty reply → content \"\"; refusal text stays in content with content_filter", () => {
    expect((translator.translateResponse({ content: [], stop_reason: "end_turn" }, ctx()).body as any).choices[0].message.content).toBe("");
    const refusal = translator.translateResponse({ content: [{ type: "text", text: "I won't." }], stop_reason: "refusal" }, ctx()).body as any;
    expect(refusal.choices[0].message.content).toBe("I won't.");
    expect(refusal.choices[0].finish_reason).toBe("content_filter");
  });
});

describe("O→A streams", () => {
  const basic = [
    ev("message_start", { message: { id: "msg_1", model: "claude", usage: { input_tokens: 7, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hi" } }),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } }),
    ev("message_stop"),
  ];

  test("N03 a message_delta repeating input_tokens without the cache counts keeps them: prompt_tokens counts every input token", () => {
    const s = translator.createStreamTranslator(ctx({ stream_options: { include_usage: true } }));
    const out = parseSse([
      ev("message_start", { message: { id: "msg_1", model: "claude", usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 } } }),
      ...basic.slice(1, 4),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 3 } }),
      ev("message_stop"),
    ].flatMap((e) => s.push(e)));
    expect((out.find((e: any) => e.data?.usage) as any)?.data.usage).toMatchObject({ prompt_tokens: 115, prompt_tokens_details: { cached_tokens: 100 } });
    expect(s.usage()).toMatchObject({ inputTokens: 115, cacheReadTokens: 100, cacheWriteTokens: 5 });
  });

  test("SC03 no usage chunk (and no usage:null fields) when the client did not ask for include_usage", () => {
    const s = translator.createStreamTranslator(ctx());
    const out = parseSse(basic.flatMap((e) => s.push(e)));
    expect(out.map((e: any) => (e.data === "[DONE]" ? "[DONE]" : e.data.choices[0]?.finish_reason ?? JSON.stringify(e.data.choices[0].delta)))).toEqual([
      JSON.stringify({ role: "assistant", content: "" }), JSON.stringify({ content: "Hi" }), "stop", "[DONE]",
    ]);
    expect(out.every((e: any) => e.data === "[DONE]" || !("usage" in e.data))).toBe(true);
    expect(s.usage()).toEqual({ inputTokens: 7, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(s.completed()).toBe(true);
  });

  test("SC01 id, created and model identical on every chunk", () => {
    const s = translator.createStreamTranslator(ctx());
    const out = basic.flatMap((e) => s.push(e)).filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
    expect(new Set(out.map((c) => `${c.id}|${c.created}|${c.model}`)).size).toBe(1);
    expect(out[0].model).toBe("gpt-4o");
  });

  test("SC02 tool_call index counts tool calls from 0, not content blocks", () => {
    const s = translator.createStreamTranslator(ctx());
    const out = parseSse([
      ev("message_start", { message: { id: "msg_1", model: "c", usage: {} } }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "x" } }),
      ev("content_block_stop", { index: 0 }),
      ev("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_a", name: "f", input: {} } }),
      ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "{}" } }),
      ev("content_block_stop", { index: 1 }),
      ev("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_b", name: "g", input: {} } }),
      ev("content_block_stop", { index: 2 }),
      ev("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }),
      ev("message_stop"),
    ].flatMap((e) => s.push(e)));
    const toolDeltas = out.flatMap((e: any) => e.data?.choices?.[0]?.delta?.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: "toolu_a", type: "function", function: { name: "f", arguments: "" } },
      { index: 0, function: { arguments: "{}" } },
      { index: 1, id: "toolu_b", type: "function", function: { name: "g", arguments: "" } },
      // A call without arguments ends as "{}", as OpenAI sends it (never "").
      { index: 1, function: { arguments: "{}" } },
    ]);
  });

  test("SC05 SA10 Anthropic error event mid-stream → one OpenAI error chunk, no [DONE]", () => {
    const s = translator.createStreamTranslator(ctx());
    const out = parseSse([...basic.slice(0, 3), ev("error", { error: { type: "overloaded_error", message: "Overloaded" } }), ...basic.slice(3)].flatMap((e) => s.push(e)));
    expect(out.at(-1)).toEqual({ data: { error: { message: "Overloaded", type: "server_error", param: null, code: "server_is_overloaded" } } });
    expect(out.some((e) => e.data === "[DONE]")).toBe(false);
    expect(s.completed()).toBe(false);
  });

  test("SC05 fail() → error chunk with the rate-limit type, nothing after it", () => {
    const s = translator.createStreamTranslator(ctx());
    s.push(basic[0]!);
    expect(parseSse(s.fail(new GatewayError("upstream_rate_limited", 429, "slow down", { retryAfter: 3 })))).toEqual([
      { data: { error: { message: "slow down. Please try again in 3s.", type: "requests", param: null, code: "rate_limit_exceeded" } } },
    ]);
    expect(s.push(basic[5]!)).toEqual([]);
  });

  test("SC04 redacted_thinking is never shown to Chat clients (only kept for replay in reasoning_details); ping is dropped", () => {
    const s = translator.createStreamTranslator(ctx());
    const out = parseSse([
      basic[0]!, ev("ping"),
      ev("content_block_start", { index: 0, content_block: { type: "redacted_thinking", data: "opaque" } }),
      ev("content_block_stop", { index: 0 }),
      ...basic.slice(1),
    ].flatMap((e) => s.push(e)));
    const deltas = out.map((e: any) => e.data?.choices?.[0]?.delta ?? {});
    expect(deltas.some((d: any) => JSON.stringify([d.content, d.reasoning_content]).includes("opaque"))).toBe(false);
    expect(deltas.find((d: any) => d.reasoning_details)).toEqual({ reasoning_details: [{ type: "reasoning.encrypted", data: "opaque", format: "anthropic-claude-v1", index: 0 }] });
    expect(out).toHaveLength(5);
  });
});
