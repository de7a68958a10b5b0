import { expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { defaultAnthropicEvents, defaultChatEvents } from "../support/mock-upstream";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * An upstream that answers 200 and then fails the request in its stream's opening, before any
 * of the answer (OpenRouter's error chunk after its PROCESSING comments, Anthropic's
 * overloaded_error after message_start, Responses' response.failed after response.created):
 * nothing has reached the client, so the route fails over, or the client gets the error's
 * status in its own protocol, which its SDK retries (src/proxy/stream-opening.ts).
 */
const ctx = useMockedGateway({ TOKLIGENCE_ROUTES: "opening-failover=>openai|anthropic" });

const post = (path: string, body: unknown) => fetch(`${ctx.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body) });
const messageStart = { event: "message_start", data: { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-opening-test", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } } };
const chatChunk = (delta: object, finish: string | null = null) => ({ data: { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", choices: [{ index: 0, delta, finish_reason: finish }] } });

test("native Anthropic: an overloaded_error after message_start is a 529 in Anthropic's shape, not a 200 stream", async () => {
  ctx.mock.enqueue({ events: [messageStart, { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }] });
  const response = await post("/v1/messages", { model: "claude-opening-test", max_tokens: 16, stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(529);
  expect(response.headers.get("content-type")).toContain("application/json");
  expect(await response.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  const row = ctx.gw.ledger.entries.at(-1)!;
  expect(row.status).toBe(529);
  expect(row.provider).toBe("anthropic");
});

test("the Anthropic SDK retries such an opening and streams the retried answer", async () => {
  ctx.mock.enqueue({ events: [messageStart, { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }] }, { events: defaultAnthropicEvents("claude-opening-test", "second try") });
  const client = new Anthropic({ apiKey: "sk-ant-client", baseURL: ctx.gw.url, maxRetries: 1 });
  const before = ctx.mock.requests.length;
  const message = await client.messages.stream({ model: "claude-opening-test", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }).finalMessage();
  expect(message.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual(["second try"]);
  expect(ctx.mock.requests.length - before).toBe(2);
});

test("an error chunk after OpenRouter-style comments and a role chunk fails over to the route's next provider", async () => {
  ctx.mock.enqueue({ events: [": OPENROUTER PROCESSING\n\n", chatChunk({ role: "assistant", content: "" }), { data: { error: { code: 429, message: "Rate limit exceeded: provider busy" }, choices: [{ index: 0, delta: {}, finish_reason: "error" }] } }] });
  const before = ctx.mock.requests.length;
  const response = await post("/v1/chat/completions", { model: "opening-failover", stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).not.toContain("Rate limit exceeded");
  expect(text).toContain("data: [DONE]");
  expect(ctx.mock.requests.slice(before).map((request) => request.path)).toEqual(["/v1/chat/completions", "/v1/messages"]);
  const row = ctx.gw.ledger.entries.at(-1)!;
  expect(row.provider).toBe("anthropic");
  expect(row.status).toBe(200);
});

test("native Responses: response.failed after response.created is the error's status in OpenAI's shape", async () => {
  const created = { type: "response.created", sequence_number: 0, response: { id: "resp_1", object: "response", status: "in_progress", output: [] } };
  const failed = { type: "response.failed", sequence_number: 1, response: { id: "resp_1", object: "response", status: "failed", output: [], error: { code: "rate_limit_exceeded", message: "Too many requests for this model" } } };
  ctx.mock.enqueue({ events: [{ event: "response.created", data: created }, { event: "response.failed", data: failed }] });
  const response = await post("/v1/responses", { model: "gpt-4.1", stream: true, input: "hi" });
  expect(response.status).toBe(429);
  const body = (await response.json()) as { error: { message: string; code: string } };
  expect(body.error.message).toBe("Too many requests for this model");
  expect(body.error.code).toBe("rate_limit_exceeded");
});

test("translated: a Chat upstream's server error in the opening reaches an Anthropic client as its api_error status", async () => {
  ctx.mock.enqueue({ events: [chatChunk({ role: "assistant", content: "" }), { data: { error: { type: "server_error", message: "The server had an error processing your request" } } }] });
  const response = await post("/v1/messages", { model: "gpt-4.1", max_tokens: 16, stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(500);
  const body = (await response.json()) as { type: string; error: { type: string; message: string } };
  expect(body.type).toBe("error");
  expect(body.error.type).toBe("api_error");
  expect(body.error.message).toContain("The server had an error processing your request");
});

test("an error after the answer has begun still comes as an error event in the 200 stream", async () => {
  ctx.mock.enqueue({ events: [chatChunk({ role: "assistant", content: "" }), chatChunk({ content: "Hel" }), { data: { error: { code: 502, message: "provider dropped the stream" } } }] });
  const response = await post("/v1/chat/completions", { model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toContain('"content":"Hel"');
  expect(text).toContain("provider dropped the stream");
});

test("an opening that stays quiet past the window gets its headers while the upstream is still silent", async () => {
  // The role chunk, then nothing: the client is answered (headers, keep-alive pings) and not left waiting.
  ctx.mock.enqueue({ events: [chatChunk({ role: "assistant", content: "" }), chatChunk({ content: "never" })], stallAfter: 1 });
  const controller = new AbortController();
  const response = await fetch(`${ctx.gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "hi" }] }), signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain('"role":"assistant"');
  controller.abort();
});

test("the read in progress when the window passes is handed on: the whole answer arrives", async () => {
  ctx.mock.enqueue({ events: [chatChunk({ role: "assistant", content: "" }), chatChunk({ content: "late start" }, "stop"), { data: "[DONE]" }], intervalMs: 1_200 });
  const response = await post("/v1/chat/completions", { model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toContain('"role":"assistant"');
  expect(text).toContain('"content":"late start"');
  expect(text).toContain("data: [DONE]");
}, 15_000);
