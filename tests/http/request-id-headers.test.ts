import { describe, expect, test } from "bun:test";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * T05: every answer carries the request id under the header its client reads: `request-id`
 * for Anthropic clients (their SDKs' `_request_id`; Claude Code's diagnostics), `x-request-id`
 * for OpenAI clients. Answers, streams, refusals, relayed upstream errors and count_tokens alike.
 */
const running = useMockedGateway();

const post = (path: string, body: unknown) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
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
    running.mock.enqueue({ status: 429, json: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } });
    const response = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 16, messages });
    expect(response.status).toBe(429);
    expect((await idsOf(response)).anthropic).toMatch(/^req_/);
  });

  test.each([
    ["missing model", "/v1/messages", { max_tokens: 16, messages }],
    ["unknown model", "/anthropic/v1/messages", { model: "no-such-model", max_tokens: 16, messages }],
    ["malformed JSON", "/v1/messages", "{not json"],
  ])("Anthropic error bodies carry request_id, the request-id header's value: %s", async (_name, path, body) => {
    const response = await fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const json = (await response.json()) as { type: string; error: { type: string }; request_id?: string };
    expect(json.type).toBe("error");
    expect(json.request_id).toMatch(/^req_/);
    expect(json.request_id).toBe(response.headers.get("request-id") ?? "");
  });

  test("Anthropic error bodies carry the client's X-Request-ID when it gave one, as the header does", async () => {
    const response = await fetch(`${running.gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": "trace-42" }, body: JSON.stringify({ max_tokens: 16, messages }) });
    expect(response.headers.get("request-id")).toBe("trace-42");
    expect(((await response.json()) as { request_id?: string }).request_id).toBe("trace-42");
  });

  test("Anthropic refusals before any route runs (no such path) carry request_id and the header", async () => {
    const response = await post("/anthropic/v1/nothing-here", {});
    expect(response.status).toBe(404);
    const json = (await response.json()) as { request_id?: string };
    expect(json.request_id).toMatch(/^req_/);
    expect(json.request_id).toBe(response.headers.get("request-id") ?? "");
  });

  test("OpenAI error bodies get no request_id field (not part of OpenAI's shape)", async () => {
    const response = await post("/v1/chat/completions", { model: "loopback" });
    expect(Object.keys((await response.json()) as object)).toEqual(["error"]);
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
