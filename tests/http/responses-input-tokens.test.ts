import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { mockCounts, type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * POST /v1/responses/input_tokens (the openai SDK's `responses.inputTokens.count()`): forwarded
 * to OpenAI Responses upstreams, counted by Anthropic's count_tokens for Claude models, estimated
 * by the gateway for Chat-only ones; routed, refused and recorded like every model endpoint.
 */

const setup = {} as { mock: MockUpstream; gw: TestGateway };
beforeAll(async () => {
  setup.mock = await startMockUpstream();
  // A Chat-only provider ("chatty", chat-* models) on the same mock, and aliases to rename.
  // And a Responses-only OpenAI-compatible provider ("resp", resp-* models).
  setup.gw = await startTestGateway(setup.mock, { ...chatOnlyProviderEnv(setup.mock.openaiBaseUrl), ...responsesOnlyProviderEnv(setup.mock.openaiBaseUrl), TOKLIGENCE_MODEL_ALIASES: "counter=>openai:gpt-5.5,claude-counter=>anthropic:claude-sonnet-4-5" });
});
afterAll(async () => {
  await setup.gw?.stop();
  await setup.mock?.stop();
});

const tools = [{ type: "function", name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];

describe("POST /v1/responses/input_tokens", () => {
  const count = (body: unknown, init: RequestInit = {}) =>
    fetch(`${setup.gw.url}/v1/responses/input_tokens`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body), ...init });

  test("an OpenAI Responses model: forwarded as sent to /responses/input_tokens (alias renamed), the answer relayed", async () => {
    const { mock } = setup;
    const body = { model: "counter", input: "What is the weather in Paris?", instructions: "Be brief.", tools, truncation: "auto", reasoning: { effort: "low" } };
    const answer = await count(body);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ object: "response.input_tokens", input_tokens: mockCounts.responses });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses/input_tokens");
    expect(sent.headers.authorization).toBe("Bearer sk-test-openai-key-123456");
    // Every field goes as sent, unknown ones included; only the alias is renamed.
    expect(sent.body).toEqual({ ...body, model: "gpt-5.5" });
  });

  test("an OpenAI upstream's refusal is relayed with its status and body", async () => {
    // A refusal only the provider knows to make (the gateway validates types and enumerations itself).
    const refusal = { error: { message: "Invalid 'input': string too long.", type: "invalid_request_error", param: "input", code: "string_above_max_length" } };
    setup.mock.enqueue({ status: 400, json: refusal });
    const answer = await count({ model: "gpt-5.5", input: "hi" });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual(refusal);
  });

  test("a Claude model: translated to Messages and counted by Anthropic's count_tokens, answered in OpenAI's shape", async () => {
    const { mock } = setup;
    const answer = await count({ model: "claude-counter", instructions: "Be brief.", input: [{ role: "user", content: "What is the weather in Paris?" }], tools, max_output_tokens: 500, temperature: 0.2 });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ object: "response.input_tokens", input_tokens: mockCounts.anthropic });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages/count_tokens");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-test-key-123456");
    expect(sent.body.model).toBe("claude-sonnet-4-5");
    expect(JSON.stringify(sent.body.system)).toContain("Be brief.");
    expect(sent.body.messages).toEqual([{ role: "user", content: [expect.objectContaining({ type: "text", text: "What is the weather in Paris?" })] }]);
    expect(sent.body.tools).toEqual([expect.objectContaining({ name: "get_weather", description: "Weather of a city", input_schema: tools[0]!.parameters })]);
    // count_tokens refuses the fields that only shape generation.
    for (const field of ["max_tokens", "stream", "temperature", "metadata", "input", "instructions"]) expect(sent.body).not.toHaveProperty(field);
  });

  test("Anthropic's refusal of a count reaches the OpenAI client in OpenAI's error shape", async () => {
    setup.mock.enqueue({ status: 400, json: { type: "error", error: { type: "invalid_request_error", message: "messages: at least one message is required" } } });
    const answer = await count({ model: "claude-sonnet-4-5", input: "hi" });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as any;
    expect(body.type).toBeUndefined();
    expect(body.error).toMatchObject({ type: "invalid_request_error", message: expect.stringContaining("at least one message is required") });
  });

  test("a Chat-only model: the gateway estimates the Chat request it would send, nothing goes upstream", async () => {
    const { mock } = setup;
    const before = mock.requests.length;
    const short = (await (await count({ model: "chat-small", input: "hello" })).json()) as any;
    const long = (await (await count({ model: "chat-small", input: "hello ".repeat(200), instructions: "Be brief." })).json()) as any;
    const withTools = (await (await count({ model: "chat-small", input: "hello", tools })).json()) as any;
    expect(mock.requests.length).toBe(before);
    expect(short.object).toBe("response.input_tokens");
    expect(short.input_tokens).toBeGreaterThan(0);
    // The count follows what is sent: 199 more "hello " tokens and the instructions, or the tool's schema.
    expect(long.input_tokens - short.input_tokens).toBeGreaterThanOrEqual(199);
    expect(long.input_tokens - short.input_tokens).toBeLessThan(220);
    expect(withTools.input_tokens).toBeGreaterThan(short.input_tokens + 5);
  });

  test("a Responses server without /responses/input_tokens (404): the gateway estimates the body it sent instead of relaying the 404", async () => {
    const { mock } = setup;
    const notFound = { status: 404, json: { error: { message: "Not Found", type: "invalid_request_error", code: null } } };
    mock.enqueue(notFound, notFound, { status: 405, rawBody: "Method Not Allowed", headers: { "content-type": "text/plain" } });
    const rows = setup.gw.ledger.entries.length;
    const short = await count({ model: "resp-small", input: "hello" });
    expect(short.status).toBe(200);
    const shortCount = (await short.json()) as any;
    expect(mock.requests.at(-1)!.path).toBe("/v1/responses/input_tokens");
    const long = (await (await count({ model: "resp-small", input: "hello ".repeat(200), instructions: "Be brief." })).json()) as any;
    const refused405 = (await (await count({ model: "resp-small", input: "hello", tools })).json()) as any;
    expect(shortCount.object).toBe("response.input_tokens");
    expect(shortCount.input_tokens).toBeGreaterThan(0);
    expect(shortCount.input_tokens).not.toBe(mockCounts.responses);
    expect(long.input_tokens - shortCount.input_tokens).toBeGreaterThanOrEqual(199);
    expect(long.input_tokens - shortCount.input_tokens).toBeLessThan(220);
    expect(refused405.input_tokens).toBeGreaterThan(shortCount.input_tokens + 5);
    expect(setup.gw.ledger.entries.slice(rows).map((row) => [row.status, row.provider])).toEqual([
      [200, "resp"],
      [200, "resp"],
      [200, "resp"],
    ]);
  });

  test("a Responses server's 404 about the model is still relayed, not estimated", async () => {
    const missing = { error: { message: "The model 'resp-gone' does not exist", type: "invalid_request_error", code: "model_not_found" } };
    setup.mock.enqueue({ status: 404, json: missing });
    const answer = await count({ model: "resp-gone", input: "hi" });
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual(missing);
  });

  test("a Chat-only model refuses what the translation refuses (OpenAI-hosted state), in OpenAI's shape", async () => {
    const answer = await count({ model: "chat-small", input: "hi", conversation: "conv_123" });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as any).error).toMatchObject({ type: "invalid_request_error", param: "conversation" });
  });

  test("each count is one ledger row without usage, under its own endpoint", async () => {
    const { gw } = setup;
    const before = gw.ledger.entries.length;
    await count({ model: "gpt-5.5", input: "hi" });
    await count({ model: "claude-sonnet-4-5", input: "hi" });
    await count({ model: "chat-small", input: "hi" });
    const rows = gw.ledger.entries.slice(before).map((row) => [row.endpoint, row.status, row.provider, row.upstreamProtocol, row.usage.inputTokens, row.usage.outputTokens]);
    expect(rows).toEqual([
      ["/v1/responses/input_tokens", 200, "openai", "openai-responses", 0, 0],
      ["/v1/responses/input_tokens", 200, "anthropic", "anthropic", 0, 0],
      ["/v1/responses/input_tokens", 200, "chatty", "openai-chat", 0, 0],
    ]);
  });

  test("an unrouted model is 404 model_not_found in OpenAI's shape, nothing sent upstream", async () => {
    const before = setup.mock.requests.length;
    const answer = await count({ model: "no-such-model-anywhere", input: "hi" });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as any).error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
    expect(setup.mock.requests.length).toBe(before);
  });

  test("bad bodies are 400 in OpenAI's shape before any upstream call", async () => {
    const before = setup.mock.requests.length;
    const cases: Array<[string, unknown, string | null]> = [
      ["invalid JSON", '{"model": "gpt-5.5", "input": ', null],
      ["missing model", { input: "hi" }, "model"],
      ["input of the wrong type", { model: "gpt-5.5", input: 42 }, "input"],
      ["instructions of the wrong type", { model: "gpt-5.5", input: "hi", instructions: 5 }, "instructions"],
      ["tools of the wrong type", { model: "claude-sonnet-4-5", input: "hi", tools: "all" }, "tools"],
    ];
    for (const [name, body, param] of cases) {
      const answer = await count(body);
      const refusal = (await answer.json()) as any;
      expect({ name, status: answer.status, type: refusal.error?.type, param: refusal.error?.param ?? null }).toEqual({ name, status: 400, type: "invalid_request_error", param });
    }
    expect(setup.mock.requests.length).toBe(before);
  });

  test("loopback counts as its own /v1/responses reports usage.input_tokens", async () => {
    const body = { model: "loopback", instructions: "Answer in one word.", input: "What colour is the sky on a clear day?" };
    const counted = (await (await count(body)).json()) as any;
    const answered = (await (await fetch(`${setup.gw.url}/v1/responses`, { method: "POST", body: JSON.stringify(body) })).json()) as any;
    expect(counted).toEqual({ object: "response.input_tokens", input_tokens: answered.usage.input_tokens });
  });

  test("/swagger/json describes the endpoint", async () => {
    const spec = (await (await fetch(`${setup.gw.url}/swagger/json`)).json()) as any;
    const operation = spec.paths["/v1/responses/input_tokens"]?.post;
    expect(operation).toMatchObject({ tags: ["OpenAI"] });
    expect(operation.summary).toContain("input tokens");
    expect(operation.responses["200"].content["application/json"].schema.properties.object.enum).toEqual(["response.input_tokens"]);
  });
});
