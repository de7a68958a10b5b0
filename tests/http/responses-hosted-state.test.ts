import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * R02/R03 for OpenAI-hosted state: a Responses `conversation` or dashboard `prompt` on a model
 * served in another protocol was dropped in translation, and the model answered (200) without
 * the history or instructions the client meant. It is a 400 naming the field, or a route's next
 * provider that speaks Responses serves it as sent.
 */
describe("Responses conversation and prompt on translated routes", () => {
  let mock: MockUpstream;
  let responsesOnly: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    responsesOnly = await startMockUpstream();
    gw = await startTestGateway(mock, {
      TOKLIGENCE_PROVIDERS__RESP__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__RESP__BASE_URL: responsesOnly.openaiBaseUrl,
      TOKLIGENCE_PROVIDERS__RESP__API_KEYS: "sk-resp-1",
      TOKLIGENCE_PROVIDERS__RESP__PROTOCOLS: "openai-responses",
      TOKLIGENCE_ROUTES: "claude-then-resp*=>anthropic|resp,claude*=>anthropic",
    });
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
    await responsesOnly.stop();
  });
  const post = (body: unknown) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  test.each([
    ["conversation", { conversation: "conv_123" }],
    ["conversation", { conversation: { id: "conv_123" } }],
    ["prompt", { prompt: { id: "pmpt_123", version: "2" } }],
  ])("%s on a Claude model is a 400 naming it, and nothing reaches the upstream", async (param, extra) => {
    const before = mock.requests.length;
    const response = await post({ model: "claude-sonnet-4-5", input: "and then?", ...extra });
    expect(response.status).toBe(400);
    const error = ((await response.json()) as any).error;
    expect(error).toMatchObject({ type: "invalid_request_error", param });
    expect(error.message).toContain(param);
    expect(mock.requests.length).toBe(before);
  });

  test("null counts as absent; a route's next provider that speaks Responses gets the field as sent", async () => {
    expect((await post({ model: "claude-sonnet-4-5", input: "hi", conversation: null })).status).toBe(200);
    const before = mock.requests.length;
    const response = await post({ model: "claude-then-resp-1", input: "and then?", conversation: "conv_123" });
    expect(response.status).toBe(200);
    expect(mock.requests.length).toBe(before);
    expect(responsesOnly.requests.at(-1)!.body).toMatchObject({ conversation: "conv_123", input: "and then?" });
  });
});
