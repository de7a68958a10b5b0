import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, mockUsage, startMockUpstream } from "../support/mock-upstream";
import { readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { upstreamCallsInFlight } from "../../src/upstream/client";

let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock);
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
  // Every call, streamed, cut, aborted or failed over, gave its in-flight slot back: a leaked
  // slot would send all later calls through fetch (src/upstream/client.ts).
  expect(upstreamCallsInFlight()).toBe(0);
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("native passthrough (client protocol = upstream protocol)", () => {
  test("chat: unknown fields reach the upstream untouched, provider key replaces the client's", async () => {
    const body = { model: "gpt-4o", messages: [{ role: "user", content: "hi", name: "alice" }], reasoning_effort: "low", x_custom: { a: [1, 2] }, tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] };
    const response = await post("/v1/chat/completions", body, { authorization: "Bearer client-secret" });
    expect(response.status).toBe(200);
    const json = (await response.json()) as any;
    expect(json.choices[0].message.content).toBe("Hello from the mock upstream");
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/chat/completions");
    expect(received.body).toEqual(body);
    expect(received.headers.authorization).toBe("Bearer sk-test-openai-key-123456");
    const row = gw.ledger.entries.at(-1)!;
    expect(row.usage).toMatchObject({ inputTokens: mockUsage.input, outputTokens: mockUsage.output, cacheReadTokens: mockUsage.cached });
    expect(row.provider).toBe("openai");
  });

  test("a gzip-coded request body goes upstream decoded, without the content-encoding header", async () => {
    const { gzipSync } = await import("node:zlib");
    const body = { model: "claude-3-5-sonnet-20241022", max_tokens: 16, messages: [{ role: "user", content: "zipped" }], x_extra: true };
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipSync(JSON.stringify(body)) });
    expect(response.status).toBe(200);
    const received = mock.requests.at(-1)!;
    expect(received.body).toEqual(body);
    expect(received.headers["content-encoding"]).toBeUndefined();
  });

  test("chat stream: events arrive one by one as the upstream sends them, with exact usage in the ledger", async () => {
    mock.enqueue({ events: (await import("../support/mock-upstream")).defaultChatEvents("gpt-4o", "one two three", true), intervalMs: 150 });
    const started = Date.now();
    const response = await post("/v1/chat/completions", { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "count" }] });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    const first = await reader.read();
    // The first chunk is relayed long before the mock's last event (6 events × 150 ms).
    expect(Date.now() - started).toBeLessThan(500);
    expect(new TextDecoder().decode(first.value)).toContain("chat.completion.chunk");
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    // The client did not ask for usage: the gateway asked upstream for it and hides the usage chunk.
    expect(rest).not.toContain('"choices":[]');
    expect(rest).toContain("data: [DONE]");
    expect(mock.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(gw.ledger.entries.at(-1)!.usage.outputTokens).toBe(mockUsage.output);
  });

  test("messages: Anthropic body, query string and beta headers forwarded; stream relayed with usage", async () => {
    const response = await post(
      "/v1/messages?beta=true",
      { model: "claude-sonnet-4-5", max_tokens: 100, stream: true, system: [{ type: "text", text: "sys", cache_control: { type: "ephemeral" } }], messages: [{ role: "user", content: "hi" }], context_management: { x: 1 } },
      { "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14", "x-api-key": "client-key" },
    );
    const events = await readSse(response);
    expect(events.map((e) => e.event)).toEqual(["message_start", "content_block_start", ...Array(5).fill("content_block_delta"), "content_block_stop", "message_delta", "message_stop"]);
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/messages");
    expect(received.query).toBe("?beta=true");
    expect(received.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
    expect(received.headers["x-api-key"]).toBe("sk-ant-test-key-123456");
    expect(received.body.context_management).toEqual({ x: 1 });
    const row = gw.ledger.entries.at(-1)!;
    expect(row.usage).toMatchObject({ inputTokens: mockUsage.input, outputTokens: mockUsage.output, cacheReadTokens: mockUsage.cached });
  });

  test("the /anthropic/v1/messages path serves the same API", async () => {
    const response = await post("/anthropic/v1/messages", { model: "claude-haiku-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
    expect(((await response.json()) as any).type).toBe("message");
  });

  test("K06 messages and count_tokens: thinking that holds an OpenAI model's reasoning is left out, Claude's own goes as sent", async () => {
    const { encodeOpenAIReasoningSignature } = await import("../../src/protocols/anthropic/openai-reasoning-signature");
    // Claude Code served by a Responses model earlier in the session, now on a Claude model.
    const fromOpenAI = { type: "thinking", thinking: "I should list.", signature: encodeOpenAIReasoningSignature({ id: "rs_1", encryptedContent: "gAAAAB-blob" }) };
    const fromClaude = { type: "thinking", thinking: "Done.", signature: "EqQBCkgIARABGAIiQ" };
    const messages = [
      { role: "user", content: "list files" },
      { role: "assistant", content: [fromOpenAI, { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "a.txt" }] },
      { role: "assistant", content: [fromClaude, { type: "text", text: "a.txt" }] },
      { role: "user", content: "thanks" },
    ];
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const response = await post(path, { model: "claude-3-5-sonnet-20241022", max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 }, messages });
      expect(response.status).toBe(200);
      const sent = mock.requests.at(-1)!.body;
      expect(sent.messages[1].content).toEqual([messages[1]!.content[1]]);
      expect(sent.messages[3]).toEqual(messages[3]);
      expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    }
  });

  test("K06: unsigned thinking (a Chat model's reasoning_content from earlier in the session) is left out before Anthropic, which refuses it", async () => {
    // Claude Code on a DeepSeek-style Chat upstream keeps that reasoning as thinking with an
    // empty signature; when the session moves to a Claude model, it replays the block verbatim.
    const unsigned = { type: "thinking", thinking: "Let me list.", signature: "" };
    const messages = [
      { role: "user", content: "list files" },
      { role: "assistant", content: [unsigned, { type: "tool_use", id: "toolu_2", name: "Bash", input: { command: "ls" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "a.txt" }] },
    ];
    const response = await post("/v1/messages", { model: "claude-sonnet-4-6", max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 }, messages });
    expect(response.status).toBe(200);
    const sent = mock.requests.at(-1)!.body;
    expect(sent.messages[1].content).toEqual([messages[1]!.content[1]]);
    // The tool loop's latest turn lost its only thinking: thinking off, as the translated path does.
    expect(sent.thinking).toBeUndefined();
  });

  test("count_tokens is forwarded to an Anthropic upstream", async () => {
    const response = await post("/v1/messages/count_tokens", { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] });
    expect(await response.json()).toEqual({ input_tokens: 42 });
    expect(mock.requests.at(-1)!.path).toBe("/v1/messages/count_tokens");
  });

  test("responses: streamed natively with sequence numbers intact", async () => {
    const response = await post("/v1/responses", { model: "gpt-4.1", stream: true, input: "hi", store: false });
    const events = await readSse(response);
    expect(events[0]!.event).toBe("response.created");
    expect(events.at(-1)!.event).toBe("response.completed");
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(gw.ledger.entries.at(-1)!.usage.inputTokens).toBe(mockUsage.input);
  });

  test("embeddings are forwarded to OpenAI", async () => {
    const response = await post("/v1/embeddings", { model: "text-embedding-3-small", input: ["a", "b"] });
    const json = (await response.json()) as any;
    expect(json.data).toHaveLength(2);
    expect(mock.requests.at(-1)!.path).toBe("/v1/embeddings");
    expect(gw.ledger.entries.at(-1)!.clientProtocol).toBe("openai-embeddings");
  });

  test("upstream errors keep their status and reach the client in the client's shape", async () => {
    mock.enqueue({ status: 400, json: { error: { message: "bad thing", type: "invalid_request_error", param: "messages", code: null } } });
    const chat = await post("/v1/chat/completions", { model: "gpt-4o", messages: [] });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as any).error.message).toBe("bad thing");

    mock.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const messages = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
    expect(messages.status).toBe(529);
    expect(await messages.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(gw.ledger.entries.at(-1)!.status).toBe(529);
  });

  test("a relayed upstream error keeps retry-after-ms and the rate-limit headers (an upstream that sends only retry-after-ms gets retry-after too)", async () => {
    mock.enqueue({ status: 429, headers: { "retry-after-ms": "1500", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s" }, json: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } } });
    const chat = await post("/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "x" }] });
    expect(chat.status).toBe(429);
    expect(chat.headers.get("retry-after-ms")).toBe("1500");
    expect(chat.headers.get("retry-after")).toBe("2");
    expect(chat.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(chat.headers.get("x-ratelimit-reset-requests")).toBe("1.5s");
    expect(chat.headers.get("x-request-id")).toStartWith("req_");
    await chat.text();

    mock.enqueue({ status: 429, headers: { "retry-after": "3", "anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:03Z" }, json: { type: "error", error: { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" } } });
    const messages = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
    expect(messages.status).toBe(429);
    expect(messages.headers.get("retry-after")).toBe("3");
    expect(messages.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(messages.headers.get("anthropic-ratelimit-requests-reset")).toBe("2026-01-01T00:00:03Z");
    await messages.text();
  });

  test("an upstream's own error event mid-stream is the stream's last event: relayed once, no second error from the gateway", async () => {
    mock.enqueue({ events: [{ data: { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "a" } }] } }, { data: { error: { message: "mid boom", type: "server_error" } } }], intervalMs: 10 });
    const chat = await (await post("/v1/chat/completions", { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }] })).text();
    expect(chat.match(/"error"/g)).toHaveLength(1);
    expect(chat).toContain("mid boom");
    expect(chat).not.toContain("before it was complete");
    expect(gw.ledger.entries.at(-1)!.errorCode).toBe("upstream_error");

    const start = { type: "message_start", message: { id: "m", type: "message", role: "assistant", model: "c", content: [], usage: { input_tokens: 1, output_tokens: 0 } } };
    // After the answer has begun (a content block): an error before it is the stream-opening case (stream-opening-errors.test.ts).
    const blockStart = { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } };
    mock.enqueue({ events: [{ event: "message_start", data: start }, { event: "content_block_start", data: blockStart }, { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }], intervalMs: 10 });
    const events = await readSse(await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }));
    expect(events.map((event) => event.event)).toEqual(["message_start", "content_block_start", "error"]);
    expect(events[2]!.data.error.type).toBe("overloaded_error");
    expect(gw.ledger.entries.at(-1)!.errorCode).toBe("upstream_error");
  });

  test("the client's disconnect aborts the upstream request", async () => {
    mock.enqueue({ events: (await import("../support/mock-upstream")).defaultAnthropicEvents("claude-sonnet-4-5", "a b c d e f g h"), intervalMs: 200 });
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }), signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const upstream = mock.requests.at(-1)!;
    controller.abort();
    for (let i = 0; i < 40 && !upstream.aborted; i++) await Bun.sleep(50);
    expect(upstream.aborted).toBe(true);
    for (let i = 0; i < 40 && gw.ledger.entries.at(-1)?.errorCode !== "client_closed"; i++) await Bun.sleep(50);
    expect(gw.ledger.entries.at(-1)!.errorCode).toBe("client_closed");
    // The input tokens were reported at message_start and are kept.
    expect(gw.ledger.entries.at(-1)!.usage.inputTokens).toBe(mockUsage.input);
  });

  test("a client that leaves a non-streamed call is recorded as client_closed, its prompt estimated", async () => {
    mock.enqueue({ delayMs: 1500, json: { id: "chatcmpl-x", object: "chat.completion", choices: [] } });
    const controller = new AbortController();
    const sent = fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "a prompt that did reach the provider" }] }), signal: controller.signal }).catch(() => undefined);
    for (let i = 0; i < 40 && mock.requests.at(-1)?.body.messages?.[0]?.content !== "a prompt that did reach the provider"; i++) await Bun.sleep(25);
    const upstream = mock.requests.at(-1)!;
    controller.abort();
    await sent;
    for (let i = 0; i < 60 && !upstream.aborted; i++) await Bun.sleep(50);
    expect(upstream.aborted).toBe(true);
    for (let i = 0; i < 60 && gw.ledger.entries.at(-1)?.errorCode !== "client_closed"; i++) await Bun.sleep(50);
    const row = gw.ledger.entries.at(-1)!;
    expect(row).toMatchObject({ status: 499, errorCode: "client_closed", usageEstimated: true });
    expect(row.usage.inputTokens).toBeGreaterThan(0);
    expect(row.usage.outputTokens).toBe(0);
  });
});
