import { describe, expect, test } from "bun:test";
import type { CanonicalEvent } from "../../../src/canonical/types";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { testCodec, testContext } from "./support";

function sse(type: string, payload: Record<string, unknown>): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

function decode(events: SseEvent[], end = false): CanonicalEvent[] {
  const decoder = testCodec().createStreamDecoder(testContext());
  const out = events.flatMap((event) => decoder.push(event));
  return end ? [...out, ...decoder.end()] : out;
}

const created = sse("response.created", { sequence_number: 0, response: { id: "resp_u", model: "gpt-5.5", status: "in_progress", output: [] } });

describe("Responses stream decoder (A→R, O→R)", () => {
  test("SA14 reasoning, text and a function call map to blocks by output_index, then usage and stop reason", () => {
    const events = decode([
      created,
      sse("response.in_progress", {}),
      sse("response.output_item.added", { output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [] } }),
      sse("response.reasoning_summary_part.added", { output_index: 0, summary_index: 0 }),
      sse("response.reasoning_summary_text.delta", { output_index: 0, summary_index: 0, delta: "step 1" }),
      sse("response.reasoning_summary_part.added", { output_index: 0, summary_index: 1 }),
      sse("response.reasoning_summary_text.delta", { output_index: 0, summary_index: 1, delta: "step 2" }),
      sse("response.output_item.done", { output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA" } }),
      sse("response.output_item.added", { output_index: 1, item: { type: "message", id: "msg_1", role: "assistant", content: [] } }),
      sse("response.content_part.added", { output_index: 1, content_index: 0, part: { type: "output_text", text: "" } }),
      sse("response.output_text.delta", { output_index: 1, content_index: 0, delta: "Hi" }),
      sse("response.output_item.done", { output_index: 1, item: { type: "message", content: [{ type: "output_text", text: "Hi" }] } }),
      sse("response.output_item.added", { output_index: 2, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: "" } }),
      sse("response.function_call_arguments.delta", { output_index: 2, delta: '{"command":' }),
      sse("response.function_call_arguments.delta", { output_index: 2, delta: '"ls"}' }),
      sse("response.function_call_arguments.done", { output_index: 2, arguments: '{"command":"ls"}' }),
      sse("response.output_item.done", { output_index: 2, item: { type: "function_call", arguments: '{"command":"ls"}' } }),
      sse("response.completed", {
        response: { status: "completed", usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 } } },
      }),
    ]);
    expect(events).toEqual([
      { type: "message_start", id: "resp_u", model: "gpt-5.5" },
      { type: "block_start", index: 0, block: { type: "reasoning", id: "rs_1" } },
      { type: "reasoning_delta", index: 0, text: "step 1", summary: true },
      { type: "reasoning_delta", index: 0, text: "\n\n", summary: true },
      { type: "reasoning_delta", index: 0, text: "step 2", summary: true },
      { type: "reasoning_signature", index: 0, encryptedContent: "gAAAA" },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "text" } },
      { type: "text_delta", index: 1, text: "Hi" },
      { type: "block_stop", index: 1 },
      { type: "block_start", index: 2, block: { type: "tool_call", id: "call_1", name: "Bash", kind: "function" } },
      { type: "tool_args_delta", index: 2, fragment: '{"command":' },
      { type: "tool_args_delta", index: 2, fragment: '"ls"}' },
      { type: "block_stop", index: 2 },
      { type: "usage", usage: { inputTokens: 10, cacheReadTokens: 4, outputTokens: 7, reasoningTokens: 3 } },
      { type: "finish", stopReason: "tool_use" },
      { type: "message_stop" },
    ]);
  });

  test("SA14 items whose deltas never came are rebuilt from output_item.done; custom and namespaced calls keep their kind", () => {
    const events = decode([
      created,
      sse("response.output_item.done", { output_index: 0, item: { type: "message", content: [{ type: "output_text", text: "whole" }] } }),
      sse("response.output_item.added", { output_index: 1, item: { type: "custom_tool_call", call_id: "c2", name: "apply_patch", input: "" } }),
      sse("response.output_item.done", { output_index: 1, item: { type: "custom_tool_call", call_id: "c2", name: "apply_patch", input: "*** Begin Patch" } }),
      sse("response.output_item.added", { output_index: 2, item: { type: "function_call", call_id: "c3", name: "spawn", namespace: "ma", arguments: "{}" } }),
      sse("response.output_item.done", { output_index: 2, item: { type: "function_call", call_id: "c3", name: "spawn", namespace: "ma", arguments: "{}" } }),
    ]);
    expect(events.slice(1)).toEqual([
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "whole" },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "tool_call", id: "c2", name: "apply_patch", kind: "custom" } },
      { type: "tool_args_delta", index: 1, fragment: "*** Begin Patch" },
      { type: "block_stop", index: 1 },
      { type: "block_start", index: 2, block: { type: "tool_call", id: "c3", name: "ma__spawn", kind: "function", namespace: "ma" } },
      { type: "tool_args_delta", index: 2, fragment: "{}" },
      { type: "block_stop", index: 2 },
    ]);
  });

  test("SA14 N02 response.incomplete is a normal end with max_tokens, not an error", () => {
    const events = decode([created, sse("response.incomplete", { response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } } })]);
    expect(events.slice(1)).toEqual([{ type: "finish", stopReason: "max_tokens" }, { type: "message_stop" }]);
  });

  test("SR08 E06 response.failed and error events become one canonical error with status, upstream code and retry hint", () => {
    const failed = decode([
      created,
      sse("response.failed", { response: { status: "failed", error: { code: "rate_limit_exceeded", message: "Please try again in 2s." } } }),
      sse("response.completed", { response: {} }),
    ]);
    expect(failed.slice(1)).toEqual([
      { type: "error", status: 429, code: "upstream_rate_limited", message: "Please try again in 2s.", upstreamCode: "rate_limit_exceeded", retryAfter: 2 },
    ]);
    const bare = decode([sse("error", { code: "server_is_overloaded", message: "busy" })]);
    expect(bare).toEqual([{ type: "error", status: 503, code: "upstream_unavailable", message: "busy", upstreamCode: "server_is_overloaded" }]);
  });

  test("SR07 a stream that ends without a terminal event closes open blocks and reports a broken stream", () => {
    const events = decode(
      [created, sse("response.output_item.added", { output_index: 0, item: { type: "function_call", call_id: "c", name: "f" } })],
      true,
    );
    expect(events.slice(-2)).toEqual([
      { type: "block_stop", index: 0 },
      { type: "error", status: 502, code: "upstream_stream_broken", message: "upstream stream ended before response.completed" },
    ]);
  });

  test("T12 [DONE], junk data and unknown events are ignored", () => {
    expect(decode([created, { data: "[DONE]" }, { data: "not json" }, sse("response.future_event", { output_index: 0 })])).toHaveLength(1);
  });
});
