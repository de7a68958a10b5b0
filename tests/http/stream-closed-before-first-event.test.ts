import { afterAll, beforeAll, expect, test } from "bun:test";
import { defaultAnthropicEvents, defaultChatEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * An upstream that opens an event stream (200, text/event-stream) and closes it without a byte
 * has sent the client nothing: the failover line (the first byte, house rule 4) is not crossed,
 * so the route moves on to its next provider, and a route without one answers an error status
 * in the client's shape instead of a 200 stream holding only an error event.
 */
let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, { ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chatty-only-*"), TOKLIGENCE_ROUTES: "duo=>openai|chatty" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("a failover route moves on to its next provider", async () => {
  mock.enqueue({ events: defaultChatEvents("gpt-4o", "never sent", true), truncateAfter: 0 });
  const response = await post("/v1/chat/completions", { model: "duo", stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toContain("Hello ");
  expect(text).toContain("[DONE]");
  expect(mock.requests.at(-1)!.headers.authorization).toBe("Bearer sk-chatty-1");
});

test("an OpenAI client of a single-provider route gets a 502 error body", async () => {
  mock.enqueue({ events: defaultChatEvents("gpt-4o", "never sent", true), truncateAfter: 0 });
  const response = await post("/v1/chat/completions", { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(502);
  expect(((await response.json()) as any).error.message).toContain("before sending any event");
});

test("an Anthropic client gets the error in Anthropic's shape", async () => {
  mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "never sent"), truncateAfter: 0 });
  const response = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 8, stream: true, messages: [{ role: "user", content: "hi" }] });
  // Anthropic's API answers server faults 500 api_error (no 502), which the SDKs retry alike.
  expect(response.status).toBe(500);
  expect(((await response.json()) as any).type).toBe("error");
});

test("an Anthropic client of a Chat-only provider (translated) gets an Anthropic error, not an empty answer", async () => {
  mock.enqueue({ events: defaultChatEvents("chatty-only-1", "never sent", true), truncateAfter: 0 });
  const response = await post("/v1/messages", { model: "chatty-only-1", max_tokens: 8, stream: true, messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(500);
  expect(((await response.json()) as any).error.type).toBe("api_error");
});
