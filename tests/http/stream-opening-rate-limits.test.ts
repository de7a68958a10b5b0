import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * A rate limit found in a 200 stream's opening (stream-opening.ts) is the HTTP 429 it stands
 * for in every way the key ring sees: the key is set aside and the same request goes again with
 * the provider's next key, before any failover (send-attempt.ts). Before, the opening's 429
 * failed the request over (or reached the client) while the limited key stayed in rotation.
 */
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, { TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-one-aaaaaaaa,sk-ant-two-bbbbbbbb", TOKLIGENCE_OPENAI_API_KEY: "sk-one-aaaaaaaa,sk-two-bbbbbbbb" });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

const messageStart = { event: "message_start", data: { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } } };
const anthropicRateLimit = { events: [messageStart, { event: "error", data: { type: "error", error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" } } }] };
const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", ...payload } });
const chatRateLimit = { events: [chatChunk({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }), { data: { error: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for gpt-4.1. Please try again in 20s." } } }] };

const keysOf = (from: number, header: string) => mock.requests.slice(from).map((request) => request.headers[header]);

describe("a rate limit in a stream's opening", () => {
  test("native Anthropic: the same request goes again with the other key and streams its answer; the limited key stays aside", async () => {
    const { anthropic } = sdkClients(gw.url);
    mock.enqueue(anthropicRateLimit);
    const before = mock.requests.length;
    const message = await anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text" });
    const [limited, other] = keysOf(before, "x-api-key");
    expect(other).toBeDefined();
    expect(other).not.toBe(limited);
    // Set aside: the next requests all go with the other key.
    const next = mock.requests.length;
    for (let index = 0; index < 3; index++) await anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(keysOf(next, "x-api-key")).toEqual([other, other, other]);
  });

  test("translated from a Chat upstream: an OpenAI rate_limit_exceeded chunk takes the other key too", async () => {
    const { anthropic } = sdkClients(gw.url);
    mock.enqueue(chatRateLimit);
    const before = mock.requests.length;
    const message = await anthropic.messages.stream({ model: "gpt-4.1", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text" });
    const [limited, other] = keysOf(before, "authorization");
    expect(other).toBeDefined();
    expect(other).not.toBe(limited);
  });

  test("every key limited: the client gets the 429 in its protocol with the wait the upstream named", async () => {
    // The key limited above is aside for the 20 s its message named: only the other one is tried.
    mock.enqueue(chatRateLimit);
    const before = mock.requests.length;
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "gpt-4.1", max_tokens: 20, stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("20");
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(mock.requests.length - before).toBe(1);
  });

  test("native: with the first limited key still aside, a limit on the other is the SDK's own rate-limit error", async () => {
    const { anthropic } = sdkClients(gw.url);
    mock.enqueue(anthropicRateLimit);
    const error = await anthropic.messages
      .stream({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] })
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(mock.requests.at(-1)!.path).toEndWith("/v1/messages");
  });
});
