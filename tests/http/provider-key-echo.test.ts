import { afterAll, beforeAll, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * Some upstreams (proxies, self-hosted servers, older provider APIs) echo the key they were sent
 * in their 401 ("Invalid API key provided: <key>"). That body reaches the client, relayed as it
 * is or translated, and the gateway's users must never learn the provider key from it, whatever
 * the key's format (these are not `sk-…`, which the generic scrubber already recognises).
 */
const OPENAI_KEY = "prov0penaiKEY42";
const ANTHROPIC_KEY = "prov4nthropicKEY42";

let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.setResponder((request) => {
    const presented = (request.headers.authorization ?? request.headers["x-api-key"] ?? "").replace(/^Bearer /, "");
    const message = `Invalid API key provided: ${presented}`;
    return request.path.endsWith("/messages")
      ? { status: 401, json: { type: "error", error: { type: "authentication_error", message } } }
      : { status: 401, json: { error: { message, type: "invalid_request_error", code: "invalid_api_key" } } };
  });
  gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: OPENAI_KEY, TOKLIGENCE_ANTHROPIC_API_KEY: ANTHROPIC_KEY });
});

afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const cases = [
  { name: "OpenAI client, OpenAI upstream (relayed)", path: "/v1/chat/completions", model: "gpt-4o" },
  { name: "Anthropic client, Anthropic upstream (relayed)", path: "/v1/messages", model: "claude-sonnet-4-5" },
  { name: "OpenAI client, Anthropic upstream (translated)", path: "/v1/chat/completions", model: "claude-sonnet-4-5" },
  { name: "Anthropic client, OpenAI upstream (translated)", path: "/v1/messages", model: "gpt-4o" },
];

for (const { name, path, model } of cases) {
  for (const stream of [false, true]) {
    test(`${name}${stream ? ", streamed" : ""}: the 401 reaches the client without the provider key`, async () => {
      const response = await fetch(`${gw.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model, stream, max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
      });
      const body = await response.text();
      expect(response.status).toBe(401);
      expect(body).toContain("Invalid API key provided");
      expect(body).not.toContain(OPENAI_KEY);
      expect(body).not.toContain(ANTHROPIC_KEY);
    });
  }
}
