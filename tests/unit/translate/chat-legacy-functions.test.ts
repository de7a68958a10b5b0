import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, parseSse } from "./support";

/**
 * Legacy Chat function calling (`functions`, `function_call`, `role:"function"`) on a Claude
 * upstream (O→A), and through the hub to a Chat upstream (work_mode=translation).
 */
const translator = findTranslator("openai-chat", "anthropic")!;
const weather = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const legacyBody = { model: "gpt-x", functions: [weather], messages: [{ role: "user", content: "Weather in Paris?" }] };

function build(body: Record<string, unknown>) {
  const ctx = makeContext("openai-chat", "anthropic", { upstreamModel: "claude-sonnet-4-6" });
  return translator.buildUpstreamRequest(body, ctx) as Record<string, any>;
}

const ev = (type: string, payload: Record<string, unknown> = {}): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

describe("O→A legacy functions: request", () => {
  test("functions become Claude tools, function_call none/auto/{name} becomes tool_choice, and one call at a time is asked for", () => {
    const out = build({ ...legacyBody, function_call: { name: "get_weather" } });
    expect(out.tools).toEqual([{ name: "get_weather", description: "Weather for a city", input_schema: weather.parameters }]);
    expect(out.tool_choice).toEqual({ type: "tool", name: "get_weather", disable_parallel_tool_use: true });
    expect(build({ ...legacyBody, function_call: "auto" }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(build({ ...legacyBody, function_call: "none" }).tool_choice).toEqual({ type: "none" });
    expect(build(legacyBody).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    // The legacy fields themselves never reach Claude.
    expect(out.functions).toBeUndefined();
    expect(out.function_call).toBeUndefined();
  });

  test("assistant function_call and role:function history become a tool_use and its tool_result, with ids that stay the same as the history grows", () => {
    const history = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { role: "function", name: "get_weather", content: "18°C, sunny" },
      { role: "assistant", content: "It is 18°C and sunny. Anything else?" },
      { role: "user", content: "And Rome?" },
      { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      { role: "function", name: "get_weather", content: "24°C" },
    ];
    const out = build({ ...legacyBody, messages: history });
    expect(out.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "call_legacy_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_legacy_1", content: "18°C, sunny" }] },
      { role: "assistant", content: [{ type: "text", text: "It is 18°C and sunny. Anything else?" }] },
      { role: "user", content: [{ type: "text", text: "And Rome?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "call_legacy_5", name: "get_weather", input: { city: "Rome" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_legacy_5", content: "24°C" }] },
    ]);
    // The first turn's ids, sent again on a shorter history, are the same (prompt caches stay warm).
    expect(build({ ...legacyBody, messages: history.slice(0, 3) }).messages[1].content[0].id).toBe("call_legacy_1");
  });

  test("a function result with no call before it is an orphan (dropped, as for tool messages); a call with no result gets the cancelled result", () => {
    const out = build({
      ...legacyBody,
      messages: [
        { role: "user", content: "go" },
        { role: "function", name: "get_weather", content: "stray" },
        { role: "assistant", content: null, function_call: { name: "get_weather", arguments: "{}" } },
        { role: "user", content: "never mind" },
      ],
    });
    expect(out.messages[1].content[0]).toMatchObject({ type: "tool_use", id: "call_legacy_2" });
    expect(out.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_legacy_2", is_error: true });
    expect(JSON.stringify(out.messages)).not.toContain("stray");
  });

  test("malformed legacy fields are 400s naming them, as OpenAI answers", () => {
    const refusal = (body: Record<string, unknown>) => {
      try {
        build(body);
      } catch (error: any) {
        return { status: error.status, param: error.param };
      }
      throw new Error("expected a GatewayError");
    };
    expect(refusal({ ...legacyBody, functions: [{ description: "no name" }] })).toEqual({ status: 400, param: "functions[0].name" });
    expect(refusal({ ...legacyBody, functions: "get_weather" })).toEqual({ status: 400, param: "functions" });
    expect(refusal({ ...legacyBody, function_call: {} })).toEqual({ status: 400, param: "function_call.name" });
    expect(refusal({ ...legacyBody, messages: [{ role: "function", content: "x" }] })).toEqual({ status: 400, param: "messages.[0].name" });
    expect(refusal({ ...legacyBody, messages: [{ role: "assistant", function_call: { arguments: "{}" } }] })).toEqual({ status: 400, param: "messages.[0].function_call.name" });
  });
});

describe("O→A legacy functions: answers in the shape the client asked in", () => {
  const toolUse = { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } };

  test("non-streamed: message.function_call {name, arguments}, no tool_calls, finish_reason function_call", () => {
    const ctx = makeContext("openai-chat", "anthropic", { clientBody: legacyBody });
    const { body } = translator.translateResponse({ id: "msg_1", content: [toolUse], stop_reason: "tool_use", usage: { input_tokens: 5, output_tokens: 3 } }, ctx) as { body: any };
    expect(body.choices[0].message).toEqual({ role: "assistant", content: null, refusal: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } });
    expect(body.choices[0].finish_reason).toBe("function_call");
    // A second call (the upstream ignored disable_parallel_tool_use) cannot be held: the first one is the answer.
    const two = translator.translateResponse({ content: [toolUse, { ...toolUse, id: "toolu_2", input: { city: "Rome" } }], stop_reason: "tool_use" }, ctx) as { body: any };
    expect(two.body.choices[0].message.function_call).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(ctx.warnings).toContain("dropped tool calls a legacy function_call answer cannot hold");
    // A text answer is unchanged.
    const text = translator.translateResponse({ content: [{ type: "text", text: "Sunny." }], stop_reason: "end_turn" }, ctx) as { body: any };
    expect(text.body.choices[0]).toMatchObject({ message: { content: "Sunny." }, finish_reason: "stop" });
  });

  test("streamed: delta.function_call with the name first, then argument fragments, then finish_reason function_call", () => {
    const s = translator.createStreamTranslator(makeContext("openai-chat", "anthropic", { clientBody: { ...legacyBody, stream: true } }));
    const out = parseSse(
      [
        ev("message_start", { message: { id: "msg_1", model: "claude", usage: { input_tokens: 7, output_tokens: 1 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"Paris"}' } }),
        ev("content_block_stop", { index: 0 }),
        ev("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} } }),
        ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"city":"Rome"}' } }),
        ev("content_block_stop", { index: 1 }),
        ev("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }),
        ev("message_stop"),
      ].flatMap((e) => s.push(e)),
    );
    const choices = out.filter((e) => e.data !== "[DONE]").map((e: any) => e.data.choices[0]);
    expect(choices.map((c: any) => c.delta)).toEqual([
      { role: "assistant", content: "" },
      { function_call: { name: "get_weather", arguments: "" } },
      { function_call: { arguments: '{"city":' } },
      { function_call: { arguments: '"Paris"}' } },
      {},
    ]);
    expect(choices.at(-1).finish_reason).toBe("function_call");
    expect(out.at(-1)!.data).toBe("[DONE]");
  });

  test("a client that declares tools (not functions) keeps getting tool_calls and finish_reason tool_calls", () => {
    const ctx = makeContext("openai-chat", "anthropic", { clientBody: { ...legacyBody, functions: undefined, tools: [{ type: "function", function: weather }] } });
    const { body } = translator.translateResponse({ content: [toolUse], stop_reason: "tool_use" }, ctx) as { body: any };
    expect(body.choices[0].message.tool_calls).toEqual([{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    expect(body.choices[0].finish_reason).toBe("tool_calls");
  });
});

describe("legacy functions through the hub to a Chat upstream (work_mode=translation)", () => {
  test("the upstream gets tools (not functions as well), and its tool_calls answer goes back as function_call", () => {
    const chat = findTranslator("openai-chat", "openai-chat")!;
    const ctx = makeContext("openai-chat", "openai-chat", { upstreamModel: "gpt-4.1" });
    const body = {
      ...legacyBody,
      function_call: "auto",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { role: "function", name: "get_weather", content: "18°C" },
      ],
    };
    const out = chat.buildUpstreamRequest(body, ctx) as Record<string, any>;
    expect(out.functions).toBeUndefined();
    expect(out.function_call).toBeUndefined();
    expect(out.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: weather.parameters } }]);
    expect(out).toMatchObject({ tool_choice: "auto", parallel_tool_calls: false });
    expect(out.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "call_legacy_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_legacy_1", content: "18°C" },
    ]);
    const answer = chat.translateResponse(
      { choices: [{ message: { role: "assistant", content: null, tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Nice"}' } }] }, finish_reason: "tool_calls" }] },
      ctx,
    ) as { body: any };
    expect(answer.body.choices[0]).toMatchObject({ message: { function_call: { name: "get_weather", arguments: '{"city":"Nice"}' } }, finish_reason: "function_call" });
    expect(answer.body.choices[0].message.tool_calls).toBeUndefined();
  });
});
