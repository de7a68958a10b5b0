import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createUpstreamModelLister, modelIdsOf } from "../../src/providers/upstream-models";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";

/**
 * GET /v1/models lists, besides the configured names, the models each provider's own listing
 * offers that a route of this gateway sends to that provider: with an OpenAI and an Anthropic key
 * and the implied `gpt-*` / `claude*` routes, the list shows those providers' models instead of
 * `loopback` alone. Listings are cached; a provider whose listing fails is left out.
 */

const openaiListing = ["gpt-4o", "gpt-4o-mini", "dall-e-3", "text-embedding-3-small", "team-a"];
const anthropicListing = ["claude-sonnet-4-5", "claude-haiku-4-5"];
const modelCalls = (mock: MockUpstream, since: number) => mock.requests.slice(since).filter((request) => request.method === "GET" && request.path === "/v1/models");
const isAnthropicCall = (request: RecordedRequest) => request.headers["x-api-key"] !== undefined;

let failOpenAI = false;
function answerListings(request: RecordedRequest) {
  if (request.method !== "GET" || request.path !== "/v1/models") return undefined;
  if (isAnthropicCall(request)) return { json: { data: anthropicListing.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-09-29T00:00:00Z" })), has_more: false } };
  if (failOpenAI) return { status: 500, json: { error: { message: "listing broke for sk-test-openai-key-123456" } } };
  return { json: { object: "list", data: openaiListing.map((id) => ({ id, object: "model", created: 1, owned_by: "openai" })) } };
}

describe("GET /v1/models with the providers' own listings", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    mock.setResponder(answerListings);
    gw = await startTestGateway(mock, { TOKLIGENCE_ROUTES: "team-a=>openai" }, { modelLister: createUpstreamModelLister({ deadlines: { connectTimeoutMs: 2000, responseTimeoutMs: 2000, firstByteTimeoutMs: 2000, idleTimeoutMs: 2000 }, warn: () => undefined, ttlMs: 300, failureTtlMs: 300 }) });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
  });
  afterEach(() => {
    failOpenAI = false;
  });

  test("the OpenAI SDK sees the routed models of both providers, owned by the provider they go to; unrouted ones are left out", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const models: Array<{ id: string; owned_by: string }> = [];
    for await (const model of client.models.list()) models.push(model);
    const ids = models.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["team-a", "loopback", "gpt-4o", "gpt-4o-mini", "text-embedding-3-small", "claude-sonnet-4-5", "claude-haiku-4-5"]));
    // dall-e-3 matches no route: listing it would offer a model every call to which fails.
    expect(ids).not.toContain("dall-e-3");
    // Configured names come first and once, in their configured spelling.
    expect(ids.filter((id) => id === "team-a")).toHaveLength(1);
    expect(models.find((model) => model.id === "claude-sonnet-4-5")?.owned_by).toBe("anthropic");
    expect(models.find((model) => model.id === "gpt-4o")?.owned_by).toBe("openai");
  });

  test("the Anthropic SDK pages through the same list; the providers were asked with their own auth, and once per cache period", async () => {
    await Bun.sleep(350); // past the test lister's cache
    const since = mock.requests.length;
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 3 })) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["claude-sonnet-4-5", "gpt-4o", "loopback"]));
    const calls = modelCalls(mock, since);
    // Several pages, yet each provider was asked once.
    expect(calls).toHaveLength(2);
    const anthropicCall = calls.find(isAnthropicCall)!;
    expect(anthropicCall.headers["x-api-key"]).toBe("sk-ant-test-key-123456");
    expect(anthropicCall.headers["anthropic-version"]).toBeString();
    expect(anthropicCall.query).toBe("?limit=1000");
    expect(calls.find((call) => !isAnthropicCall(call))!.headers.authorization).toBe("Bearer sk-test-openai-key-123456");
  });

  test("a provider whose listing fails is left out (the rest still listed), then asked again after the failure period", async () => {
    await Bun.sleep(350);
    failOpenAI = true;
    const answer = await fetch(`${gw.url}/v1/models`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { data: Array<{ id: string }> };
    const ids = body.data.map((model) => model.id);
    expect(ids).toContain("claude-haiku-4-5");
    expect(ids).toContain("team-a");
    expect(ids).not.toContain("gpt-4o");
    expect(JSON.stringify(body)).not.toContain("sk-test");
    failOpenAI = false;
    await Bun.sleep(350);
    const again = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(again.data.map((model) => model.id)).toContain("gpt-4o");
  });
});

test("routing.list_upstream_models = false lists configured names only and never asks the providers", async () => {
  const mock = await startMockUpstream();
  mock.setResponder(answerListings);
  const gw = await startTestGateway(mock, { TOKLIGENCE_ROUTING__LIST_UPSTREAM_MODELS: "false" });
  try {
    const body = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(body.data.map((model) => model.id)).toEqual(["loopback"]);
    expect(modelCalls(mock, 0)).toHaveLength(0);
  } finally {
    await gw.stop();
    await mock.stop();
  }
});

test("a listing is read from data[].id of either API's shape; anything else is refused", () => {
  expect(modelIdsOf(JSON.stringify({ object: "list", data: [{ id: "a" }, { id: "" }, { id: 3 }, { id: "b" }] }))).toEqual(["a", "b"]);
  expect(() => modelIdsOf("<html>")).toThrow("not JSON");
  expect(() => modelIdsOf(JSON.stringify({ models: [] }))).toThrow("no data list");
});
