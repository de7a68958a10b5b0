import { describe, expect, test } from "bun:test";
import type { CanonicalResponse } from "../../../src/canonical/types";
import { GatewayError } from "../../../src/errors/gateway-error";
import { unwrapAnthropicReasoning } from "../../../src/protocols/openai-responses/reasoning-blob";
import { readFixture, testCodec, testContext } from "./support";

const anthropicAnswer: CanonicalResponse = {
  id: "msg_01abc",
  model: "claude-sonnet-4-6",
  content: [
    { type: "reasoning", text: "plan", signature: "sig" },
    { type: "text", text: "Here." },
    { type: "tool_call", id: "toolu_1", name: "apply_patch", arguments: '{"input":"*** Begin Patch\\n*** End Patch"}', kind: "function" },
    { type: "tool_call", id: "toolu_2", name: "exec_command", arguments: '{"cmd":"ls"}', kind: "function" },
  ],
  stopReason: "tool_use",
  usage: { inputTokens: 1000, outputTokens: 50, cacheReadTokens: 800, cacheWriteTokens: 100, reasoningTokens: 0 },
};

describe("Responses encodeResponse (R→A, R→O non-streaming)", () => {
  test("R10 N05 N06 S10 K09 golden: a full response object with echoed model, output items and usage", async () => {
    const codec = testCodec();
    const request = codec.decodeRequest(await readFixture("codex-tool-loop-request.json"));
    const body = codec.encodeResponse(anthropicAnswer, testContext({}, request)) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: "resp_1",
      object: "response",
      created_at: 1_700_000_000,
      status: "completed",
      error: null,
      incomplete_details: null,
      model: "gpt-5.5",
      usage: { input_tokens: 1000, input_tokens_details: { cached_tokens: 800 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1050 },
    });
    const output = body.output as Array<Record<string, unknown>>;
    expect(output.map((item) => item.type)).toEqual(["reasoning", "message", "custom_tool_call", "function_call"]);
    expect(output[1]).toEqual({ type: "message", id: "msg_1", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Here.", annotations: [] }] });
    expect(output[2]).toEqual({ type: "custom_tool_call", id: "ctc_1", status: "completed", call_id: "toolu_1", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" });
    expect(output[3]).toEqual({ type: "function_call", id: "fc_1", status: "completed", call_id: "toolu_2", name: "exec_command", arguments: '{"cmd":"ls"}' });
    expect(unwrapAnthropicReasoning(output[0]!.encrypted_content as string)).toEqual({ text: "plan", signature: "sig" });
  });

  test("N01 max_tokens → incomplete/max_output_tokens; refusal → incomplete/content_filter", () => {
    const codec = testCodec();
    const truncated = codec.encodeResponse({ ...anthropicAnswer, content: [], stopReason: "max_tokens" }, testContext()) as Record<string, unknown>;
    expect(truncated).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    const refused = codec.encodeResponse({ ...anthropicAnswer, content: [], stopReason: "refusal" }, testContext()) as Record<string, unknown>;
    expect(refused).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" } });
  });

  test("N01 the item the token limit cut short is incomplete, as OpenAI reports it; the items before it stay completed", () => {
    const codec = testCodec();
    const statuses = (content: CanonicalResponse["content"], stopReason: CanonicalResponse["stopReason"]) =>
      ((codec.encodeResponse({ ...anthropicAnswer, content, stopReason }, testContext()) as Record<string, unknown>).output as Array<Record<string, unknown>>).map((item) => [
        item.type,
        item.status,
      ]);
    // A message cut mid-text.
    expect(statuses([{ type: "text", text: "The answer is" }], "max_tokens")).toEqual([["message", "incomplete"]]);
    // A function call cut mid-arguments, after a whole message.
    const cutCall = [{ type: "text", text: "Running." }, { type: "tool_call", id: "toolu_1", name: "exec_command", arguments: '{"cmd":"l', kind: "function" }] as CanonicalResponse["content"];
    expect(statuses(cutCall, "max_tokens")).toEqual([
      ["message", "completed"],
      ["function_call", "incomplete"],
    ]);
    // Thinking cut before any answer (a context window overflow counts as the same cut).
    expect(statuses([{ type: "reasoning", text: "Let me", signature: "sig" }], "model_context_window_exceeded")).toEqual([["reasoning", "incomplete"]]);
    // A whole answer: completed items, and reasoning without a status, as at OpenAI.
    expect(statuses([{ type: "reasoning", text: "plan", signature: "sig" }, ...cutCall], "tool_use")).toEqual([
      ["reasoning", undefined],
      ["message", "completed"],
      ["function_call", "completed"],
    ]);
  });

  test("R10 tools and tool_choice are echoed as the client sent them: allowed_tools, every tool, strict as given", () => {
    const codec = testCodec();
    const tools = [
      { type: "function", name: "a", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, strict: true },
      { type: "function", name: "b", parameters: { type: "object", properties: {} } },
      { type: "custom", name: "apply_patch", format: { type: "text" } },
      { type: "web_search" },
    ];
    const toolChoice = { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "a" }] };
    const request = codec.decodeRequest({ model: "gpt-5.5", input: "hi", tools, tool_choice: toolChoice, safety_identifier: "user-7", prompt_cache_key: "k1" });
    // The upstream gets the narrowed list and the mode...
    expect(request.tools.map((tool) => (tool.kind === "builtin" ? tool.type : tool.name))).toEqual(["a"]);
    expect(request.toolChoice).toEqual({ type: "required" });
    // ...the client gets its own declarations back; a function without strict says false (not enforced upstream).
    const body = codec.encodeResponse({ ...anthropicAnswer, stopReason: "end_turn" }, testContext({}, request)) as Record<string, unknown>;
    expect(body.tool_choice).toEqual(toolChoice);
    expect(body.tools).toEqual([tools[0], { ...tools[1], strict: false }, tools[2], tools[3]]);
    expect(body).toMatchObject({ user: null, safety_identifier: "user-7", prompt_cache_key: "k1", background: false });
    // A plain choice and `user` come back as sent too.
    const plain = codec.decodeRequest({ model: "gpt-5.5", input: "hi", tools: [tools[1]], tool_choice: "required", user: "u-1" });
    expect(codec.encodeResponse({ ...anthropicAnswer, stopReason: "end_turn" }, testContext({}, plain))).toMatchObject({ tool_choice: "required", user: "u-1", safety_identifier: null });
  });

  test("R10 J01 K01 a json_schema format keeps its description and reasoning effort none stays none in the echo", () => {
    const codec = testCodec();
    const format = { type: "json_schema", name: "out", description: "The answer", schema: { type: "object", properties: {} }, strict: true };
    const request = codec.decodeRequest({ model: "gpt-5.5", input: "hi", text: { format }, reasoning: { effort: "none" } });
    const body = codec.encodeResponse({ ...anthropicAnswer, stopReason: "end_turn" }, testContext({}, request)) as Record<string, unknown>;
    expect(body.text).toEqual({ format });
    expect(body.reasoning).toEqual({ effort: "none", summary: null });
    const plain = codec.decodeRequest({ model: "gpt-5.5", input: "hi" });
    expect((codec.encodeResponse({ ...anthropicAnswer, stopReason: "end_turn" }, testContext({}, plain)) as Record<string, unknown>).reasoning).toEqual({ effort: null, summary: null });
  });

  test("N08 an empty answer is an empty output list, never an empty message item", () => {
    const body = testCodec().encodeResponse({ ...anthropicAnswer, content: [], stopReason: "end_turn" }, testContext()) as Record<string, unknown>;
    expect(body.output).toEqual([]);
  });
});

describe("Responses decodeResponse (A→R, O→R non-streaming)", () => {
  test("N02 N04 K09 SA14 items → canonical content, tool calls force tool_use, cached tokens kept", () => {
    const response = testCodec().decodeResponse({
      id: "resp_up",
      object: "response",
      created_at: 1_700_000_001,
      status: "completed",
      model: "gpt-5.5",
      output: [
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "thought" }], encrypted_content: "gAAAA" },
        { type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: "ok", annotations: [] }] },
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: '{"command":"ls"}' },
        { type: "web_search_call", id: "ws_1", status: "completed" },
      ],
      usage: { input_tokens: 500, input_tokens_details: { cached_tokens: 300 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 540 },
    });
    expect(response).toEqual({
      id: "resp_up",
      model: "gpt-5.5",
      created: 1_700_000_001,
      stopReason: "tool_use",
      content: [
        { type: "reasoning", id: "rs_1", summary: ["thought"], encryptedContent: "gAAAA" },
        { type: "text", text: "ok" },
        { type: "tool_call", id: "call_1", itemId: "fc_1", name: "Bash", arguments: '{"command":"ls"}', kind: "function" },
        { type: "opaque", protocol: "openai-responses", value: { type: "web_search_call", id: "ws_1", status: "completed" } },
      ],
      usage: { inputTokens: 500, cacheReadTokens: 300, outputTokens: 40, reasoningTokens: 12, cacheWriteTokens: 0 },
    });
  });

  test("N02 incomplete statuses map to max_tokens and refusal; missing fields are tolerated", () => {
    const codec = testCodec();
    expect(codec.decodeResponse({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }).stopReason).toBe("max_tokens");
    expect(codec.decodeResponse({ status: "incomplete", incomplete_details: { reason: "content_filter" } }).stopReason).toBe("refusal");
    expect(codec.decodeResponse(null)).toMatchObject({ content: [], stopReason: "end_turn" });
  });

  test("a failed response body is an upstream error, not an empty answer", () => {
    expect(() => testCodec().decodeResponse({ status: "failed", error: { code: "rate_limit_exceeded", message: "slow down" } })).toThrow(GatewayError);
  });
});
