import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * Translation fidelity as the official SDKs see it, on shapes beyond the common ones: each
 * cross path (Anthropic client → Chat or Responses upstream, OpenAI clients → Anthropic upstream,
 * Responses client → Chat upstream) with what the mock upstream got and what the SDK hands back.
 */
let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;
beforeAll(async () => {
  mock = await startMockUpstream();
  // chat-* models are served in Chat Completions only; claude* go to the Anthropic upstream.
  gw = await startTestGateway(mock, {
    ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
    // resp-* models are served in the Responses API only.
    TOKLIGENCE_PROVIDERS__RESP__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__RESP__BASE_URL: mock.openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__RESP__API_KEYS: "sk-resp-1",
    TOKLIGENCE_PROVIDERS__RESP__PROTOCOLS: "openai-responses",
    TOKLIGENCE_PROVIDERS__RESP__MODELS: "resp-*",
    TOKLIGENCE_ROUTES: "claude*=>anthropic",
  });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const anthropicEvent = (type: string, payload: object) => ({ event: type, data: { type, ...payload } });
const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-t", object: "chat.completion.chunk", created: 1, model: "gpt-x", ...payload } });
const messageStart = anthropicEvent("message_start", {
  message: { id: "msg_t", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
});

describe("tool calls without arguments", () => {
  /** Anthropic streams a call to a tool that takes nothing as `input: {}` and one empty delta. */
  const zeroArgumentCall = () => [
    messageStart,
    anthropicEvent("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_now", name: "get_time", input: {} } }),
    anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
    anthropicEvent("content_block_stop", { index: 0 }),
    anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 5 } }),
    anthropicEvent("message_stop", {}),
  ];
  const noParameters = { type: "object", properties: {} };

  test("a streamed zero-argument call from Claude reaches the openai SDK as arguments \"{}\" (Chat and Responses), as unstreamed", async () => {
    mock.enqueue({ events: zeroArgumentCall() });
    const chat = await openai.chat.completions
      .stream({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "time?" }], tools: [{ type: "function", function: { name: "get_time", parameters: noParameters } }] })
      .finalChatCompletion();
    const call = chat.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("expected a function call");
    expect(call.function.arguments).toBe("{}");
    expect(JSON.parse(call.function.arguments)).toEqual({});

    mock.enqueue({ events: zeroArgumentCall() });
    const stream = await openai.responses.create({ model: "claude-sonnet-4-5", input: "time?", stream: true, tools: [{ type: "function", name: "get_time", parameters: noParameters, strict: false }] });
    const argumentEvents: string[] = [];
    let output: OpenAI.Responses.ResponseOutputItem[] = [];
    for await (const event of stream) {
      if (event.type === "response.function_call_arguments.done") argumentEvents.push(event.arguments);
      if (event.type === "response.completed") output = event.response.output;
    }
    expect(argumentEvents).toEqual(["{}"]);
    expect(output.find((item) => item.type === "function_call")).toMatchObject({ call_id: "toolu_now", arguments: "{}" });
  });

  test("a Chat server's arguments \"\" reach a Responses client as \"{}\", streamed or not", async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "get_time", parameters: noParameters, strict: false }];
    mock.enqueue({
      events: [
        chatChunk({ choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_now", type: "function", function: { name: "get_time", arguments: "" } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
        { data: "[DONE]" },
      ],
    });
    const stream = await openai.responses.create({ model: "chat-x", input: "time?", stream: true, tools });
    let output: OpenAI.Responses.ResponseOutputItem[] = [];
    for await (const event of stream) if (event.type === "response.completed") output = event.response.output;
    expect(output.find((item) => item.type === "function_call")).toMatchObject({ call_id: "call_now", arguments: "{}" });

    mock.enqueue({
      json: { id: "c1", object: "chat.completion", created: 1, model: "chat-x", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_later", type: "function", function: { name: "get_time", arguments: "" } }] }, finish_reason: "tool_calls" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    });
    const whole = await openai.responses.create({ model: "chat-x", input: "time?", tools });
    expect(whole.output.find((item) => item.type === "function_call")).toMatchObject({ call_id: "call_later", arguments: "{}" });
  });
});

describe("audio input from a Responses client (C07)", () => {
  const audioInput = [{ role: "user" as const, content: [{ type: "input_text" as const, text: "what does it say?" }, { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } }] }];

  test("on Claude it is a 400 naming audio, and nothing reaches the upstream (it was dropped and answered)", async () => {
    const before = mock.requests.length;
    const error = await openai.responses.create({ model: "claude-sonnet-4-5", input: audioInput as never }).catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain("audio input is not supported");
    expect(mock.requests.length).toBe(before);
  });

  test("on a Chat model it goes as Chat's own input_audio part", async () => {
    await openai.responses.create({ model: "chat-x", input: audioInput as never });
    const sent = mock.requests.at(-1)!.body;
    expect(sent.messages.at(-1).content).toEqual([
      { type: "text", text: "what does it say?" },
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
    ]);
  });
});

describe("service_tier (P11)", () => {
  test("Anthropic's standard_only is OpenAI's default (it was sent as is, which OpenAI refuses); OpenAI's default is standard_only on Claude", async () => {
    await anthropic.messages.create({ model: "resp-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }], service_tier: "standard_only" });
    expect(mock.requests.at(-1)!.body.service_tier).toBe("default");
    await anthropic.messages.create({ model: "chat-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }], service_tier: "standard_only" });
    expect(mock.requests.at(-1)!.body.service_tier).toBe("default");
    await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }], service_tier: "default" });
    expect(mock.requests.at(-1)!.body.service_tier).toBe("standard_only");
  });

  test("a Responses client's flex or priority reaches a Chat upstream (it was dropped); Claude has no such tier", async () => {
    await openai.responses.create({ model: "chat-x", input: "hi", service_tier: "priority" });
    expect(mock.requests.at(-1)!.body.service_tier).toBe("priority");
    await openai.responses.create({ model: "claude-sonnet-4-5", input: "hi", service_tier: "flex" });
    expect(mock.requests.at(-1)!.body.service_tier).toBeUndefined();
  });
});

describe("end-user ids (P10)", () => {
  test("an OpenAI client's own short user id reaches an OpenAI-protocol upstream as sent (it was hashed on Chat upstreams)", async () => {
    await openai.responses.create({ model: "chat-x", input: "hi", user: "team-7-user-42" });
    expect(mock.requests.at(-1)!.body.user).toBe("team-7-user-42");
  });

  test("an Anthropic client's metadata.user_id is opaque: always hashed for OpenAI upstreams, Chat and Responses alike", async () => {
    const userId = JSON.stringify({ device_id: "d1", session_id: "s1" });
    await anthropic.messages.create({ model: "chat-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }], metadata: { user_id: userId } });
    const chatUser = mock.requests.at(-1)!.body.user;
    await anthropic.messages.create({ model: "resp-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }], metadata: { user_id: userId } });
    expect(chatUser).toMatch(/^[0-9a-f]{64}$/);
    expect(mock.requests.at(-1)!.body.safety_identifier).toBe(chatUser);
  });
});
