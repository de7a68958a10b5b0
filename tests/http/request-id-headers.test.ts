import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * T05: every answer carries the request id under the header its client reads: `request-id`
 * for Anthropic clients (their SDKs' `_request_id`; Claude Code's diagnostics), `x-request-id`
 * for OpenAI clients. Answers, streams, refusals, relayed upstream errors and count_tokens alike.
 */
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock);
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const messages = [{ role: "user", content: "hi" }];

async function idsOf(response: Response) {
  await response.arrayBuffer();
  return { anthropic: response.headers.get("request-id"), openai: response.headers.get("x-request-id") };
}

describe("request id headers", () => {
  test.each([
    ["loopback answer", "/v1/messages", { model: "loopback", max_tokens: 16, messages }],
    ["loopback stream", "/v1/messages", { model: "loopback", max_tokens: 16, stream: true, messages }],
    ["native Anthropic answer", "/anthropic/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 16, messages }],
    ["translated answer", "/v1/messages", { model: "gpt-4o", max_tokens: 16, messages }],
    ["count_tokens estimate", "/v1/messages/count_tokens", { model: "gpt-4o", messages }],
    ["refused request", "/v1/messages", { model: "loopback", messages }],
  ])("Anthropic clients get request-id: %s", async (_name, path, body) => {
    const ids = await idsOf(await post(path, body));
    expect(ids.anthropic).toMatch(/^req_/);
    expect(ids.openai).toBe(ids.anthropic);
  });

  test("Anthropic clients get request-id on an upstream error relayed as the upstream wrote it", async () => {
    mock.enqueue({ status: 429, json: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } });
    const response = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 16, messages });
    expect(response.status).toBe(429);
    expect((await idsOf(response)).anthropic).toMatch(/^req_/);
  });

  test.each([
    ["answer", { model: "loopback", messages }],
    ["stream", { model: "loopback", stream: true, messages }],
    ["refused request", { model: "loopback" }],
  ])("OpenAI clients get x-request-id: %s", async (_name, body) => {
    const ids = await idsOf(await post("/v1/chat/completions", body));
    expect(ids.openai).toMatch(/^req_/);
    expect(ids.anthropic).toBeNull();
  });
});
