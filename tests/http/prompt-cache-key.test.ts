import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * OpenAI's `prompt_cache_key` (Chat and Responses alike; Codex sends its conversation id) crosses
 * between the two APIs. It was dropped both ways, so a Codex conversation on a Chat model, or a
 * Chat client on a Responses-only model, lost its cache routing. GPT-5's verbosity crosses the same way.
 */
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, {
    ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
    // An OpenAI deployment serving Chat only (a proxy in front of api.openai.com, say).
    TOKLIGENCE_PROVIDERS__CHATTY__DIALECT: "openai",
    ...responsesOnlyProviderEnv(mock.openaiBaseUrl),
    // Any other Chat server (vLLM, Ollama…): OpenAI's cache key means nothing there.
    TOKLIGENCE_PROVIDERS__VLLM__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__VLLM__BASE_URL: mock.openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__VLLM__API_KEYS: "sk-vllm-1",
    TOKLIGENCE_PROVIDERS__VLLM__MODELS: "local-*",
  });
});
afterAll(async () => {
  mock.setResponder(undefined);
  await gw.stop();
  await mock.stop();
});

test("a Responses client's key reaches a Chat model, and the response echoes it", async () => {
  const { openai } = sdkClients(gw.url);
  const response = await openai.responses.create({ model: "chat-x", input: "hi", prompt_cache_key: "conv-1" });
  expect(mock.requests.at(-1)!.body.prompt_cache_key).toBe("conv-1");
  expect(response.prompt_cache_key).toBe("conv-1");
});

test("a Chat server of another dialect is not sent it", async () => {
  const { openai } = sdkClients(gw.url);
  await openai.responses.create({ model: "local-x", input: "hi", prompt_cache_key: "conv-0" });
  expect(mock.requests.at(-1)!.body.model).toBe("local-x");
  expect(mock.requests.at(-1)!.body).not.toHaveProperty("prompt_cache_key");
});

test("a Chat client's key reaches a Responses-only model", async () => {
  const { openai } = sdkClients(gw.url);
  await openai.chat.completions.create({ model: "resp-x", messages: [{ role: "user", content: "hi" }], prompt_cache_key: "conv-2" });
  expect(mock.requests.at(-1)!.body.prompt_cache_key).toBe("conv-2");
});

test("an OpenAI-dialect server that refuses the field gets the request again without it", async () => {
  mock.setResponder((request) =>
    request.body.prompt_cache_key ? { status: 400, json: { error: { message: "Unrecognized request argument supplied: prompt_cache_key", type: "invalid_request_error", param: null, code: null } } } : undefined,
  );
  const { openai } = sdkClients(gw.url);
  const response = await openai.responses.create({ model: "chat-y", input: "hi", prompt_cache_key: "conv-3" });
  mock.setResponder(undefined);
  expect(response.status).toBe("completed");
  expect(mock.requests.at(-1)!.body.prompt_cache_key).toBeUndefined();
});

describe("GPT-5's verbosity crosses like the cache key (J04)", () => {
  test("a Chat client's verbosity reaches a Responses-only model as text.verbosity, beside a response format", async () => {
    const { openai } = sdkClients(gw.url);
    await openai.chat.completions.create({ model: "resp-x", messages: [{ role: "user", content: "hi" }], verbosity: "low", response_format: { type: "json_object" } });
    expect(mock.requests.at(-1)!.body.text).toEqual({ format: { type: "json_object" }, verbosity: "low" });
  });

  test("a Responses client's text.verbosity reaches an OpenAI-dialect Chat model as verbosity; other Chat servers are not sent it", async () => {
    const { openai } = sdkClients(gw.url);
    await openai.responses.create({ model: "chat-x", input: "hi", text: { verbosity: "high" } });
    expect(mock.requests.at(-1)!.body.verbosity).toBe("high");
    expect(mock.requests.at(-1)!.body).not.toHaveProperty("text");
    await openai.responses.create({ model: "local-x", input: "hi", text: { verbosity: "high" } });
    expect(mock.requests.at(-1)!.body.model).toBe("local-x");
    expect(mock.requests.at(-1)!.body).not.toHaveProperty("verbosity");
  });

  test("an OpenAI-dialect server that refuses it gets the request again without it", async () => {
    mock.setResponder((request) =>
      request.body.verbosity ? { status: 400, json: { error: { message: "Unrecognized request argument supplied: verbosity", type: "invalid_request_error", param: null, code: null } } } : undefined,
    );
    const { openai } = sdkClients(gw.url);
    const response = await openai.responses.create({ model: "chat-z", input: "hi", text: { verbosity: "low" } });
    mock.setResponder(undefined);
    expect(response.status).toBe("completed");
    expect(mock.requests.slice(-2).map((request) => request.body.verbosity)).toEqual(["low", undefined]);
  });
});
