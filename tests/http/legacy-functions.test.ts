/**
 * Legacy Chat function calling (`functions`, `function_call`, `role:"function"`) end to end: on a
 * model served by Claude (translated), on loopback (checked by the same decoder), and natively
 * (forwarded untouched).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  // claude-as-gpt is a Chat model served by the Anthropic upstream; other gpt* names are native.
  gw = await startTestGateway(mock, { TOKLIGENCE_ROUTES: "gpt-claude*=>anthropic,gpt*=>openai" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (body: unknown) => fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const weather = { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } };
const history = [
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
  { role: "function", name: "get_weather", content: "18°C" },
  { role: "user", content: "And in Rome?" },
];
const anthropicEvent = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });

describe("legacy function calling on a Claude-served Chat model", () => {
  test("non-streamed: Claude gets tools and the history as tool_use/tool_result; the client gets function_call", async () => {
    mock.enqueue({
      json: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } }], stop_reason: "tool_use", usage: { input_tokens: 9, output_tokens: 4 } },
    });
    const response = await post({ model: "gpt-claude", functions: [weather], function_call: "auto", messages: history });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as any;
    expect(answer.choices[0].message.function_call).toEqual({ name: "get_weather", arguments: '{"city":"Rome"}' });
    expect(answer.choices[0].message.tool_calls).toBeUndefined();
    expect(answer.choices[0].finish_reason).toBe("function_call");

    const sent = mock.requests.at(-1)!.body;
    expect(sent.tools).toMatchObject([{ name: "get_weather", input_schema: weather.parameters }]);
    expect(sent.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(sent.messages[1].content[0]).toMatchObject({ type: "tool_use", id: "call_legacy_1", name: "get_weather", input: { city: "Paris" } });
    expect(sent.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_legacy_1", content: "18°C" });
  });

  test("streamed, read by the OpenAI SDK: the call assembles into message.function_call with finish_reason function_call", async () => {
    mock.enqueue({
      events: [
        anthropicEvent("message_start", { message: { id: "msg_2", type: "message", role: "assistant", model: "claude", content: [], usage: { input_tokens: 9, output_tokens: 1 } } }),
        anthropicEvent("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} } }),
        anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } }),
        anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"Rome"}' } }),
        anthropicEvent("content_block_stop", { index: 0 }),
        anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 6 } }),
        anthropicEvent("message_stop", {}),
      ],
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const stream = client.chat.completions.stream({ model: "gpt-claude", functions: [weather], messages: history as any });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]!.message.function_call).toEqual({ name: "get_weather", arguments: '{"city":"Rome"}' });
    expect(completion.choices[0]!.finish_reason).toBe("function_call");
    expect(mock.requests.at(-1)!.body.tools).toMatchObject([{ name: "get_weather", input_schema: weather.parameters }]);
  });
});

describe("legacy function calling elsewhere", () => {
  test("loopback accepts a history with function results (OpenAI does) instead of refusing the role", async () => {
    const response = await post({ model: "loopback", functions: [weather], messages: history });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).choices[0].message.content).toBe("[loopback] And in Rome?");
  });

  test("native passthrough forwards the legacy fields untouched", async () => {
    const body = { model: "gpt-4o", functions: [weather], function_call: { name: "get_weather" }, messages: history };
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(mock.requests.at(-1)!.body).toEqual(body);
  });
});
