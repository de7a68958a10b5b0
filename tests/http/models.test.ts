import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startMultiportGateway, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

// Model listing in both APIs' shapes: each official SDK's models.list() and models.retrieve().
let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, {
    // Exact names are listed; ids with a slash (OpenRouter, vLLM) must be retrievable too.
    TOKLIGENCE_ROUTES: "team-a=>openai,team-b=>openai,meta-llama/Llama-3.1-8B=>openai,team-c=>openai",
    TOKLIGENCE_MODEL_ALIASES: "fast=>loopback:loopback",
  });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const anthropicHeaders = { "anthropic-version": "2023-06-01", "x-api-key": "x" };

describe("OpenAI shape", () => {
  test("the OpenAI SDK lists and retrieves models, patterns included", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["team-a", "team-b", "team-c", "meta-llama/Llama-3.1-8B", "fast", "loopback"]));
    expect(await client.models.retrieve("team-a")).toMatchObject({ id: "team-a", object: "model", owned_by: "openai" });
    // Not listed (a pattern serves it), yet routable: retrievable.
    expect(await client.models.retrieve("gpt-4o-mini")).toMatchObject({ id: "gpt-4o-mini", object: "model", owned_by: "openai" });
    const slashed = await fetch(`${gw.url}/v1/models/meta-llama/Llama-3.1-8B`);
    expect(((await slashed.json()) as { id: string }).id).toBe("meta-llama/Llama-3.1-8B");
    const escaped = await fetch(`${gw.url}/v1/models/${encodeURIComponent("meta-llama/Llama-3.1-8B")}`);
    expect(((await escaped.json()) as { id: string }).id).toBe("meta-llama/Llama-3.1-8B");
  });

  test("R07: Codex's catalogue request (?client_version=) gets the Codex shape, an empty `models` list (Codex keeps its built-in presets), beside OpenAI's data", async () => {
    const answer = await fetch(`${gw.url}/v1/models?client_version=0.169.0`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { object: string; data: { id: string }[]; models: unknown[] };
    expect(body.models).toEqual([]);
    expect(body.object).toBe("list");
    expect(body.data.map((model) => model.id)).toContain("team-a");
    // Without the parameter the listing is OpenAI's alone.
    expect(await (await fetch(`${gw.url}/v1/models`)).json()).not.toHaveProperty("models");
  });

  test("an unknown model is 404 model_not_found in OpenAI's error shape", async () => {
    const response = await fetch(`${gw.url}/v1/models/no-such-model`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error).toMatchObject({ code: "model_not_found", type: "invalid_request_error" });
  });
});

describe("Anthropic shape", () => {
  test("the Anthropic SDK lists every model across pages and retrieves one", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
    const ids: string[] = [];
    // limit 2 forces the SDK to follow has_more/last_id through several pages.
    for await (const model of client.models.list({ limit: 2 })) {
      expect(model.type).toBe("model");
      expect(typeof model.created_at).toBe("string");
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(["team-a", "team-b", "team-c", "meta-llama/Llama-3.1-8B", "fast", "loopback"]));
    expect(new Set(ids).size).toBe(ids.length);
    const model = await client.models.retrieve("team-b");
    expect(model).toMatchObject({ type: "model", id: "team-b", display_name: "team-b" });
  });

  test("pages: first_id/last_id/has_more, after_id and before_id", async () => {
    const first = (await (await fetch(`${gw.url}/v1/models?limit=2`, { headers: anthropicHeaders })).json()) as any;
    expect(first.data.length).toBe(2);
    expect(first).toMatchObject({ has_more: true, first_id: first.data[0].id, last_id: first.data[1].id });
    const next = (await (await fetch(`${gw.url}/anthropic/v1/models?limit=2&after_id=${encodeURIComponent(first.last_id)}`)).json()) as any;
    expect(next.data[0].id).not.toBe(first.data[1].id);
    const back = (await (await fetch(`${gw.url}/anthropic/v1/models?limit=2&before_id=${encodeURIComponent(next.first_id)}`)).json()) as any;
    expect(back.data.map((m: any) => m.id)).toEqual(first.data.map((m: any) => m.id));
    expect(back.has_more).toBe(false);
  });

  test("bad paging and unknown models are errors in Anthropic's shape", async () => {
    const badLimit = await fetch(`${gw.url}/anthropic/v1/models?limit=0`);
    expect(badLimit.status).toBe(400);
    expect(((await badLimit.json()) as any)).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const unknown = await fetch(`${gw.url}/v1/models/no-such-model`, { headers: anthropicHeaders });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any)).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });
});

test("an Anthropic-only listener answers /v1/models in Anthropic's shape, an OpenAI-only one in OpenAI's", async () => {
  const multi = await startMultiportGateway(mock);
  try {
    const byName = Object.fromEntries(multi.gateway.listeners.map((listener) => [listener.name, listener.url]));
    const onAnthropic = (await (await fetch(`${byName.anthropic}/v1/models`)).json()) as any;
    expect(onAnthropic.data[0].type).toBe("model");
    expect(onAnthropic.has_more).toBe(false);
    const onOpenAI = (await (await fetch(`${byName.openai}/v1/models`, { headers: anthropicHeaders })).json()) as any;
    expect(onOpenAI.object).toBe("list");
    expect((await fetch(`${byName.openai}/anthropic/v1/models`)).status).toBe(404);
  } finally {
    await multi.stop();
  }
});

test("a well-known model whose provider key is missing: retrieving it names the missing key, as a call does (it said 'does not exist')", async () => {
  const keyless = await startTestGateway(undefined);
  try {
    const call = await fetch(`${keyless.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }) });
    const callError = ((await call.json()) as any).error;
    expect(callError.message).toContain("which has no API key (set TOKLIGENCE_OPENAI_API_KEY");
    const retrieved = await fetch(`${keyless.url}/v1/models/gpt-4o`);
    expect(retrieved.status).toBe(404);
    expect(((await retrieved.json()) as any).error).toEqual(callError);
    const claude = await fetch(`${keyless.url}/v1/models/claude-sonnet-4-5`, { headers: anthropicHeaders });
    expect(claude.status).toBe(404);
    expect(((await claude.json()) as any).error).toMatchObject({ type: "not_found_error", message: expect.stringContaining("TOKLIGENCE_ANTHROPIC_API_KEY") });
    // The listing holds configured exact names only: such a model is in it neither with nor without its key.
    const listed = ((await (await fetch(`${keyless.url}/v1/models`)).json()) as any).data.map((model: { id: string }) => model.id);
    expect(listed).toEqual(["loopback"]);
    expect(((await (await fetch(`${keyless.url}/v1/models/no-such-model`)).json()) as any).error.message).toBe("The model 'no-such-model' does not exist or is not routed by this gateway (GET /v1/models lists the models it serves; an operator routes other names with TOKLIGENCE_ROUTES or a provider's models list)");
  } finally {
    await keyless.stop();
  }
});
