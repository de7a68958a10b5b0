import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { ResponsesWS } from "openai/resources/responses/ws";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  // Only an OpenAI key: Claude names go to GPT (translated); a route sends "claude-via-anthropic" models to Anthropic.
  gw = await startTestGateway(mock, { TOKLIGENCE_ANTHROPIC_API_KEY: "", TOKLIGENCE_ROUTES: "opus-on-claude=>anthropic", TOKLIGENCE_MODEL_ALIASES: "haiku-3-on-claude=>anthropic:claude-3-5-haiku-20241022" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const anthropicEvent = (type: string, payload: object) => ({ event: type, data: { type, ...payload } });
const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-t", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", ...payload } });

describe("translated paths with the official SDKs", () => {
  test("@anthropic-ai/sdk gets a streamed tool call from an OpenAI-format upstream (arguments split across chunks)", async () => {
    mock.enqueue({
      events: [
        chatChunk({ choices: [{ index: 0, delta: { role: "assistant", content: "Let me check." }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"ci' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
        chatChunk({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 9, total_tokens: 59, prompt_tokens_details: { cached_tokens: 20 } } }),
        { data: "[DONE]" },
      ],
      intervalMs: 5,
    });
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
    const stream = client.messages.stream({
      model: "claude-sonnet-4-6",
      max_tokens: 32000,
      system: [{ type: "text", text: "You are terse." }],
      messages: [{ role: "user", content: "weather in Oslo?" }],
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
    });
    const deltas: string[] = [];
    stream.on("inputJson", (partial) => deltas.push(partial));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Oslo" } });
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    // Usage both ways: Anthropic input excludes cached tokens (N04), the ledger keeps the upstream's figures.
    expect(message.usage).toMatchObject({ input_tokens: 30, cache_read_input_tokens: 20, output_tokens: 9 });
    expect(gw.ledger.entries.at(-1)!.usage).toMatchObject({ inputTokens: 50, cacheReadTokens: 20, outputTokens: 9 });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.model).toBe("gpt-4.1");
    expect(sent.body.messages[0]).toMatchObject({ role: "system" });
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  test("openai SDK gets a streamed tool call from an Anthropic-format upstream", async () => {
    mock.enqueue({
      events: [
        anthropicEvent("message_start", { message: { id: "msg_t", type: "message", role: "assistant", model: "claude-opus-4-1", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 40, output_tokens: 1 } } }),
        anthropicEvent("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_t", name: "get_weather", input: {} } }),
        anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } }),
        anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"Lima"}' } }),
        anthropicEvent("content_block_stop", { index: 0 }),
        anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12 } }),
        anthropicEvent("message_stop", {}),
      ],
      intervalMs: 5,
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const final = await client.chat.completions
      .stream({ model: "opus-on-claude", messages: [{ role: "user", content: "weather?" }], tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }] })
      .finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    const call = final.choices[0]!.message.tool_calls![0]!;
    // The SDK's tool call union includes custom tool calls; this one must be a function call.
    if (call.type !== "function") throw new Error(`expected a function tool call, got ${call.type}`);
    expect(call.function).toMatchObject({ name: "get_weather", arguments: '{"city":"Lima"}' });
    expect(final.model).toBe("opus-on-claude");
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.body.max_tokens).toBeGreaterThan(0);
    expect(gw.ledger.entries.at(-1)!.usage).toMatchObject({ inputTokens: 40, outputTokens: 12 });
  });

  test("Responses client (Codex's protocol) on an Anthropic upstream, streaming", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const stream = await client.responses.create({ model: "opus-on-claude", input: "hello", stream: true, store: false });
    const types: string[] = [];
    let completed: any;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.completed") completed = event.response;
    }
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_text.delta");
    expect(completed.output_text ?? completed.output[0].content[0].text).toContain("Hello from the mock upstream");
    expect(completed.usage.output_tokens).toBe(7);
  });

  /** An Anthropic stream with thinking, text and a tool call, as a long answer would come. */
  const longAnswerEvents = () => [
    anthropicEvent("message_start", { message: { id: "msg_long", type: "message", role: "assistant", model: "claude-opus-4-1", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 60, output_tokens: 1 } } }),
    anthropicEvent("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
    anthropicEvent("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Plan the chapter." } }),
    anthropicEvent("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig-long" } }),
    anthropicEvent("content_block_stop", { index: 0 }),
    anthropicEvent("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
    anthropicEvent("ping", {}),
    anthropicEvent("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Chapter one, " } }),
    anthropicEvent("content_block_delta", { index: 1, delta: { type: "text_delta", text: "written in full." } }),
    anthropicEvent("content_block_stop", { index: 1 }),
    anthropicEvent("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_save", name: "save", input: {} } }),
    anthropicEvent("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"path":' } }),
    anthropicEvent("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '"ch1.md"}' } }),
    anthropicEvent("content_block_stop", { index: 2 }),
    anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 30000 } }),
    anthropicEvent("message_stop", {}),
  ];
  const saveTool = { type: "function" as const, function: { name: "save", parameters: { type: "object", properties: { path: { type: "string" } } } } };

  test("SC06: a non-streaming call with a large max_tokens is streamed from Anthropic and answered whole", async () => {
    mock.enqueue({ events: longAnswerEvents(), intervalMs: 2 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "opus-on-claude", max_tokens: 32000, messages: [{ role: "user", content: "write chapter one" }], tools: [saveTool] });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.body).toMatchObject({ stream: true, max_tokens: 32000 });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("opus-on-claude");
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Chapter one, written in full.");
    expect((choice.message as unknown as { reasoning_content?: string }).reasoning_content).toBe("Plan the chapter.");
    const call = choice.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error(`expected a function tool call, got ${call.type}`);
    expect(call).toMatchObject({ id: "toolu_save", function: { name: "save", arguments: '{"path":"ch1.md"}' } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 30000 });
    expect(gw.ledger.entries.at(-1)!).toMatchObject({ status: 200, stream: false, usage: { inputTokens: 60, outputTokens: 30000 }, usageEstimated: false });
  });

  test("SC06: Responses clients get the collected answer as one response object", async () => {
    mock.enqueue({ events: longAnswerEvents() });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const response = await client.responses.create({ model: "opus-on-claude", input: "write chapter one", max_output_tokens: 64000, store: false, tools: [{ type: "function", name: "save", parameters: { type: "object", properties: { path: { type: "string" } } }, strict: false }] });
    expect(mock.requests.at(-1)!.body.stream).toBe(true);
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("Chapter one, written in full.");
    expect(response.output.find((item) => item.type === "function_call")).toMatchObject({ call_id: "toolu_save", name: "save", arguments: '{"path":"ch1.md"}' });
    expect(response.usage).toMatchObject({ input_tokens: 60, output_tokens: 30000 });
  });

  test("SC06: below the threshold the call stays non-streamed; a stream that breaks or reports an error is an error in the client's shape", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    await client.chat.completions.create({ model: "opus-on-claude", max_tokens: 4096, messages: [{ role: "user", content: "short" }] });
    expect(mock.requests.at(-1)!.body.stream).not.toBe(true);

    mock.enqueue({ events: longAnswerEvents(), truncateAfter: 8 });
    const cut = await client.chat.completions.create({ model: "opus-on-claude", max_tokens: 32000, messages: [{ role: "user", content: "long" }] }).catch((error) => error);
    expect(cut).toBeInstanceOf(OpenAI.APIError);
    expect(cut.status).toBe(502);
    expect(cut.error).toMatchObject({ type: "server_error" });
    expect(gw.ledger.entries.at(-1)!).toMatchObject({ status: 502, errorCode: "upstream_stream_broken" });

    mock.enqueue({
      events: [
        ...longAnswerEvents().slice(0, 3),
        anthropicEvent("error", { error: { type: "overloaded_error", message: "Overloaded" } }),
      ],
    });
    const overloaded = await client.chat.completions.create({ model: "opus-on-claude", max_tokens: 32000, messages: [{ role: "user", content: "long" }] }).catch((error) => error);
    expect(overloaded).toBeInstanceOf(OpenAI.APIError);
    expect(overloaded.message).toContain("Overloaded");
    expect(overloaded.status).toBeGreaterThanOrEqual(500);
  });

  test("J02: response_format json_schema on an older Claude model is a forced tool upstream and plain JSON content for the SDK", async () => {
    mock.enqueue({
      json: { id: "msg_j", type: "message", role: "assistant", model: "claude-3-5-haiku-20241022", content: [{ type: "tool_use", id: "toolu_j", name: "structured_output", input: { city: "Oslo", temp: 4 } }], stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 30, output_tokens: 15 } },
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const schema = { type: "object", properties: { city: { type: "string" }, temp: { type: "number" } }, required: ["city", "temp"], additionalProperties: false };
    const completion = await client.chat.completions.create({ model: "haiku-3-on-claude", messages: [{ role: "user", content: "weather" }], response_format: { type: "json_schema", json_schema: { name: "weather", strict: true, schema } } });
    const sent = mock.requests.at(-1)!.body;
    expect(sent.model).toBe("claude-3-5-haiku-20241022");
    expect(sent.output_config).toBeUndefined();
    expect(sent.tool_choice).toEqual({ type: "tool", name: "structured_output" });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ city: "Oslo", temp: 4 });
  });

  test("count_tokens for a model served by OpenAI is a tokenizer estimate", async () => {
    const response = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "The quick brown fox jumps over the lazy dog." }] }) });
    const { input_tokens } = (await response.json()) as { input_tokens: number };
    expect(input_tokens).toBeGreaterThan(5);
    expect(input_tokens).toBeLessThan(40);
  });
});

describe("the openai SDK's Responses WebSocket (ResponsesWS) on a Claude upstream", () => {
  /** Frames up to and including the response's final event. */
  async function turn(socket: ResponsesWS, event: Record<string, unknown>): Promise<Array<Record<string, any>>> {
    const frames: Array<Record<string, any>> = [];
    socket.send({ type: "response.create", ...event } as never);
    for await (const record of socket.stream()) {
      if (record.type !== "message") continue;
      frames.push(record.message as Record<string, any>);
      if (["response.completed", "response.failed", "response.incomplete", "error"].includes(String(record.message.type))) break;
    }
    return frames;
  }

  test("two turns on one socket: events in order, the second continues the first with store:false", async () => {
    const socket = new ResponsesWS(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 }));
    try {
      mock.setDefaultText("Nice to meet you, Ada.");
      const first = await turn(socket, { model: "opus-on-claude", store: false, input: "I am Ada." });
      expect(first.map((frame) => frame.type)).toEqual(expect.arrayContaining(["response.created", "response.output_text.delta", "response.completed"]));
      expect(first.map((frame) => frame.sequence_number)).toEqual(first.map((_, index) => index));
      const completed = first.at(-1)!;
      expect(completed.response.output[0].content[0].text).toBe("Nice to meet you, Ada.");

      const before = mock.requests.length;
      const second = await turn(socket, { model: "opus-on-claude", store: false, previous_response_id: completed.response.id, input: "Who am I?" });
      expect(second.at(-1)!.type).toBe("response.completed");
      const upstream = mock.requests.slice(before).find((request) => request.path === "/v1/messages")!;
      expect(upstream.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(JSON.stringify(upstream.body.messages)).toContain("I am Ada.");
    } finally {
      mock.setDefaultText("Hello from the mock upstream");
      socket.close();
    }
  });
});

describe("the openai SDK's responses.compact() on a Claude upstream", () => {
  test("the compacted window is typed output the SDK reads, and it continues the conversation", async () => {
    mock.enqueue({
      json: { id: "msg_sum", type: "message", role: "assistant", model: "claude-opus-4-1", content: [{ type: "text", text: "Ada introduced herself." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 30, output_tokens: 6 } },
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const compacted = await client.responses.compact({
      model: "opus-on-claude",
      input: [
        { role: "user", content: "I am Ada." },
        { role: "assistant", content: "Hello Ada." },
      ],
    });
    expect(compacted.object).toBe("response.compaction");
    expect(compacted.output.map((item) => item.type)).toEqual(["message", "compaction"]);
    expect(compacted.usage).toMatchObject({ input_tokens: 30, output_tokens: 6 });

    await client.responses.create({ model: "opus-on-claude", store: false, input: [...(compacted.output as never[]), { role: "user", content: "Who am I?" }] });
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).toContain("Ada introduced herself.");
  });
});

describe("the openai SDK's background mode on a Claude upstream (a gateway that stores responses)", () => {
  test("create with background, retrieve until completed, and cancel another", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gw-sdk-background-"));
    const store = await openStore({ dataDir });
    await store.migrate();
    const responses = createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    const storing = await startTestGateway(mock, { TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456", TOKLIGENCE_ROUTES: "opus-on-claude=>anthropic" }, { responses });
    try {
      const client = new OpenAI({ baseURL: `${storing.url}/v1`, apiKey: "x", maxRetries: 0 });
      mock.enqueue({
        delayMs: 50,
        json: { id: "msg_b", type: "message", role: "assistant", model: "claude-opus-4-1", content: [{ type: "text", text: "Done in the background." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 9, output_tokens: 5 } },
      });
      let response = await client.responses.create({ model: "opus-on-claude", input: "work", background: true });
      expect(response.status).toBe("queued");
      while (response.status === "queued" || response.status === "in_progress") {
        await Bun.sleep(10);
        response = await client.responses.retrieve(response.id);
      }
      expect(response.status).toBe("completed");
      expect(response.output_text).toBe("Done in the background.");

      mock.enqueue({ stall: true });
      const slow = await client.responses.create({ model: "opus-on-claude", input: "forever", background: true });
      const cancelled = await client.responses.cancel(slow.id);
      expect(cancelled.status).toBe("cancelled");
    } finally {
      await storing.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
