import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(undefined, { TOKLIGENCE_SERVER__BODY_LIMIT_MB: "1" });
});
afterAll(() => gw.stop());

const send = (path: string, body: string) => fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("errors in the caller's protocol", () => {
  test("malformed JSON is 400 in the OpenAI shape on OpenAI routes", async () => {
    const response = await send("/v1/chat/completions", "{nope");
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.type).toBe("invalid_request_error");
  });

  test("malformed JSON is 400 in the Anthropic shape on Anthropic routes", async () => {
    for (const path of ["/v1/messages", "/anthropic/v1/messages", "/v1/messages/count_tokens"]) {
      const response = await send(path, "[1,");
      expect(response.status).toBe(400);
      const body = (await response.json()) as any;
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
    }
  });

  test("a missing model is 400 naming it", async () => {
    const response = await send("/v1/chat/completions", JSON.stringify({ messages: [] }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.error.param).toBe("model");
    expect(body.error.message).toContain("model");
  });

  test("a body over the limit is 413", async () => {
    const big = JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "x".repeat(1_100_000) }] });
    const response = await send("/v1/messages", big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.type).toBe("request_too_large");
  });

  test("an unrouted model is 404 model_not_found, never a silent loopback answer", async () => {
    const chat = await send("/v1/chat/completions", JSON.stringify({ model: "gpt-unknown", messages: [{ role: "user", content: "x" }] }));
    expect(chat.status).toBe(404);
    expect(((await chat.json()) as any).error.code).toBe("model_not_found");
    const messages = await send("/v1/messages", JSON.stringify({ model: "claude-x", max_tokens: 1, messages: [] }));
    expect(messages.status).toBe(404);
    expect(((await messages.json()) as any).error.type).toBe("not_found_error");
  });

  test("unknown paths are 404 in the path's protocol", async () => {
    const response = await fetch(`${gw.url}/v1/nothing`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.code).toBe("not_found");
  });

  test("every rejected request still gets a ledger row", async () => {
    const before = gw.ledger.entries.length;
    await send("/v1/chat/completions", "{nope");
    expect(gw.ledger.entries.length).toBe(before + 1);
    expect(gw.ledger.entries.at(-1)!.errorCode).toBe("invalid_json");
  });
});

describe("health and models", () => {
  test("/health has status, version and work mode, and no secrets or routes", async () => {
    const body = (await (await fetch(`${gw.url}/health`)).json()) as any;
    expect(body.status).toBe("ok");
    expect(body.work_mode).toBe("auto");
    expect(typeof body.version).toBe("string");
    expect(body.commit).toBe("dev"); // from source; the compiled binary's test checks the baked-in commit
    expect(JSON.stringify(body)).not.toContain("routes");
  });

  test("/v1/models lists loopback in the OpenAI list shape", async () => {
    const body = (await (await fetch(`${gw.url}/v1/models`)).json()) as any;
    expect(body.object).toBe("list");
    expect(body.data.find((m: any) => m.id === "loopback")).toMatchObject({ object: "model", owned_by: "tokligence" });
  });

  test("/swagger/json describes every model endpoint", async () => {
    const spec = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
    for (const path of ["/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/messages", "/anthropic/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/v1/models/{id}", "/anthropic/v1/models", "/health"]) {
      expect(spec.paths[path]).toBeDefined();
    }
  });
});
