import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { supportsNativeStructuredOutputs } from "../../../src/translate/structured-output-tool";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, parseSse } from "./support";

/** J02: structured output emulated with a forced tool on Claude models without native support. */
const chatToAnthropic = findTranslator("openai-chat", "anthropic")!;
const oldClaude = "claude-3-5-haiku-20241022";
const answerSchema = { type: "object", properties: { city: { type: "string" }, temp: { type: "number" } }, required: ["city", "temp"] };
const chatBody = (schema: Record<string, unknown> = answerSchema, extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o",
  messages: [{ role: "user", content: "weather in Oslo as JSON" }],
  response_format: { type: "json_schema", json_schema: { name: "weather", strict: true, schema } },
  ...extra,
});
const context = (upstreamModel = oldClaude) => makeContext("openai-chat", "anthropic", { clientModel: "gpt-4o", upstreamModel });

const ev = (type: string, payload: object): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });
const toolStream = (fragments: string[]): SseEvent[] => [
  ev("message_start", { message: { id: "msg_j", type: "message", role: "assistant", model: oldClaude, content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 1 } } }),
  ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_j", name: "structured_output", input: {} } }),
  ...fragments.map((partial_json) => ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json } })),
  ev("content_block_stop", { index: 0 }),
  ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12 } }),
  ev("message_stop", {}),
];

describe("J02 structured output through a forced tool", () => {
  test.each([
    ["claude-3-5-haiku-20241022", false],
    ["claude-3-7-sonnet-latest", false],
    ["claude-sonnet-4-20250514", false],
    ["claude-opus-4-20250514", false],
    ["claude-opus-4-1-20250805", true],
    ["claude-sonnet-4-5", true],
    ["claude-haiku-4-5-20251001", true],
    ["claude-opus-5", true],
    ["kimi-k2", false],
  ])("native structured outputs on %s: %p", (model, native) => {
    expect(supportsNativeStructuredOutputs(model)).toBe(native);
  });

  test("request: the schema becomes a forced tool (no output_config.format), and thinking gives way", () => {
    // Sonnet 4 thinks but has no native structured outputs (Claude 3.5 Haiku has no thinking to give way).
    const ctx = context("claude-sonnet-4-20250514");
    const body = chatToAnthropic.buildUpstreamRequest(chatBody(answerSchema, { reasoning_effort: "high" }), ctx) as Record<string, any>;
    expect(body.output_config?.format).toBeUndefined();
    expect(body.thinking).toBeUndefined();
    expect(body.tools).toEqual([{ name: "structured_output", description: expect.any(String), input_schema: answerSchema }]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "structured_output" });
    expect(ctx.warnings.join(" ")).toContain("thinking disabled");

    const native = chatToAnthropic.buildUpstreamRequest(chatBody(), context("claude-sonnet-4-5")) as Record<string, any>;
    // Closed, as Anthropic's structured-output grammar requires (anthropic-output-schema.test.ts).
    expect(native.output_config.format).toEqual({ type: "json_schema", schema: { ...answerSchema, additionalProperties: false } });
    expect(native.tools).toBeUndefined();
  });

  test("a client tool of the same name keeps its name; the synthetic one gets a suffix", () => {
    const ctx = context();
    const body = chatToAnthropic.buildUpstreamRequest(chatBody(answerSchema, { tools: [{ type: "function", function: { name: "structured_output", parameters: { type: "object" } } }] }), ctx) as Record<string, any>;
    expect(body.tools.map((tool: any) => tool.name)).toEqual(["structured_output", "structured_output_2"]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "structured_output_2" });
  });

  test("non-streamed answer: the call's input is the message text, finish_reason stop, no tool call shown", () => {
    const ctx = context();
    chatToAnthropic.buildUpstreamRequest(chatBody(), ctx);
    const { body } = chatToAnthropic.translateResponse(
      { id: "msg_j", type: "message", role: "assistant", model: oldClaude, content: [{ type: "tool_use", id: "toolu_j", name: "structured_output", input: { city: "Oslo", temp: 4 } }], stop_reason: "tool_use", usage: { input_tokens: 20, output_tokens: 12 } },
      ctx,
    ) as { body: Record<string, any> };
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(JSON.parse(body.choices[0].message.content)).toEqual({ city: "Oslo", temp: 4 });
  });

  test("streamed answer: the call's argument fragments arrive as content deltas", () => {
    const ctx = context();
    chatToAnthropic.buildUpstreamRequest(chatBody(answerSchema, { stream: true }), ctx);
    const stream = chatToAnthropic.createStreamTranslator(ctx);
    const chunks = parseSse([...toolStream(['{"city":', '"Oslo","temp":4}']).flatMap((event) => stream.push(event)), ...stream.end()])
      .map((event) => event.data)
      .filter((data): data is Record<string, any> => typeof data === "object" && data !== null && Array.isArray((data as any).choices) && (data as any).choices.length > 0);
    const content = chunks.map((chunk) => chunk.choices[0].delta?.content ?? "").join("");
    expect(JSON.parse(content)).toEqual({ city: "Oslo", temp: 4 });
    expect(chunks.some((chunk) => chunk.choices[0].delta?.tool_calls)).toBe(false);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe("stop");
  });

  test("a schema whose root is not an object is wrapped under `value` and unwrapped in the answer, streamed or not", () => {
    const listSchema = { type: "array", items: { type: "string" } };
    const ctx = context();
    const body = chatToAnthropic.buildUpstreamRequest(chatBody(listSchema, { stream: true }), ctx) as Record<string, any>;
    expect(body.tools[0].input_schema).toEqual({ type: "object", properties: { value: listSchema }, required: ["value"] });
    const stream = chatToAnthropic.createStreamTranslator(ctx);
    const content = parseSse([...toolStream(['{"value":["a",', '"b"]}']).flatMap((event) => stream.push(event)), ...stream.end()])
      .map((event) => (event.data as any)?.choices?.[0]?.delta?.content ?? "")
      .join("");
    expect(JSON.parse(content)).toEqual(["a", "b"]);

    const whole = chatToAnthropic.translateResponse(
      { id: "msg_w", type: "message", role: "assistant", model: oldClaude, content: [{ type: "tool_use", id: "toolu_w", name: "structured_output", input: { value: ["a", "b"] } }], stop_reason: "tool_use", usage: { input_tokens: 1, output_tokens: 1 } },
      ctx,
    ) as { body: Record<string, any> };
    expect(JSON.parse(whole.body.choices[0].message.content)).toEqual(["a", "b"]);
  });

  test("Responses clients (text.format json_schema) get output_text from the forced call", () => {
    const translator = findTranslator("openai-responses", "anthropic")!;
    const ctx = makeContext("openai-responses", "anthropic", { clientModel: "gpt-5", upstreamModel: oldClaude });
    const request = translator.buildUpstreamRequest({ model: "gpt-5", input: "weather", text: { format: { type: "json_schema", name: "weather", schema: answerSchema } } }, ctx) as Record<string, any>;
    expect(request.tool_choice).toEqual({ type: "tool", name: "structured_output" });
    const { body } = translator.translateResponse(
      { id: "msg_r", type: "message", role: "assistant", model: oldClaude, content: [{ type: "tool_use", id: "toolu_r", name: "structured_output", input: { city: "Oslo", temp: 4 } }], stop_reason: "tool_use", usage: { input_tokens: 1, output_tokens: 1 } },
      ctx,
    ) as { body: Record<string, any> };
    expect(body.status).toBe("completed");
    expect(body.output.some((item: any) => item.type === "function_call")).toBe(false);
    const text = body.output.flatMap((item: any) => item.content ?? []).map((part: any) => part.text).join("");
    expect(JSON.parse(text)).toEqual({ city: "Oslo", temp: 4 });
  });
});
