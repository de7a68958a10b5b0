import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * P09: log probabilities asked of Claude, which has none. `gateway.unsupported_logprobs`
 * decides: `ignore` (default) answers without them, `reject` refuses in the caller's protocol,
 * or moves to a route's next provider that can serve them.
 */
const messages = [{ role: "user", content: "hi" }];
let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.stop());

const post = (gw: TestGateway, path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("logprobs for an Anthropic upstream, ignored (the default)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(mock);
  });
  afterAll(() => gw.stop());

  test("a Chat client gets its answer with logprobs null", async () => {
    const response = await post(gw, "/v1/chat/completions", { model: "claude-sonnet-4-5", logprobs: true, top_logprobs: 3, messages });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.choices[0].message.content).toBeString();
    expect(body.choices[0].logprobs).toBeNull();
  });

  test("a Responses client gets its output_text with an empty logprobs list, and Claude gets no logprobs field", async () => {
    const response = await post(gw, "/v1/responses", { model: "claude-sonnet-4-5", include: ["message.output_text.logprobs"], top_logprobs: 3, input: "hi" });
    expect(response.status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toEndWith("/messages");
    for (const field of ["logprobs", "top_logprobs", "include"]) expect(sent.body).not.toHaveProperty(field);
    const part = ((await response.json()) as any).output.find((item: any) => item.type === "message").content[0];
    expect(part.type).toBe("output_text");
    expect(part.logprobs).toEqual([]);
  });
});

describe("logprobs for an Anthropic upstream, rejected", () => {
  let gw: TestGateway;
  let backup: MockUpstream;
  beforeAll(async () => {
    backup = await startMockUpstream();
    backup.setDefaultText("from the backup");
    gw = await startTestGateway(mock, {
      TOKLIGENCE_GATEWAY__UNSUPPORTED_LOGPROBS: "reject",
      TOKLIGENCE_PROVIDERS__BACKUP__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__BACKUP__BASE_URL: backup.openaiBaseUrl,
      TOKLIGENCE_PROVIDERS__BACKUP__API_KEYS: "sk-backup-1",
      TOKLIGENCE_ROUTES: "claude-eval*=>anthropic|backup",
    });
  });
  afterAll(async () => {
    await gw.stop();
    await backup.stop();
  });

  test.each([
    ["Chat logprobs", "/v1/chat/completions", { model: "claude-sonnet-4-5", logprobs: true, messages }, "logprobs"],
    ["Chat top_logprobs", "/v1/chat/completions", { model: "claude-sonnet-4-5", top_logprobs: 2, messages }, "top_logprobs"],
    ["Responses include", "/v1/responses", { model: "claude-sonnet-4-5", include: ["message.output_text.logprobs"], input: "hi" }, "include"],
  ])("%s is a 400 naming the parameter, and nothing reaches the upstream", async (_name, path, body, param) => {
    const before = mock.requests.length;
    const response = await post(gw, path, body);
    expect(response.status).toBe(400);
    const error = ((await response.json()) as any).error;
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(error.message).toContain("log probabilities");
    expect(mock.requests.length).toBe(before);
  });

  test("a request without logprobs is served as before", async () => {
    const response = await post(gw, "/v1/chat/completions", { model: "claude-sonnet-4-5", logprobs: false, messages });
    expect(response.status).toBe(200);
  });

  test("a route's next provider that has logprobs serves the request, with logprobs forwarded", async () => {
    const response = await post(gw, "/v1/chat/completions", { model: "claude-eval-1", logprobs: true, messages });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).choices[0].message.content).toBe("from the backup");
    expect(backup.requests.at(-1)!.body).toMatchObject({ logprobs: true });
  });
});
