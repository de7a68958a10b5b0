import { describe, expect, test } from "bun:test";
import { readSse, useMockedGateway } from "../support/gateway-harness";

/**
 * The provider's rate-limit headers reach the client on successful answers too, streamed or
 * not, native or translated, under the provider's own names (never renamed into the other
 * family); nothing else of the upstream's headers does. Before, only error answers had them, so
 * a client pacing itself on `x-ratelimit-remaining-*` saw nothing until it hit the limit.
 */
const running = useMockedGateway();

const OPENAI_LIMITS = { "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "499", "x-ratelimit-reset-tokens": "6m0s" };
const ANTHROPIC_LIMITS = { "anthropic-ratelimit-requests-remaining": "49", "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:03Z", "anthropic-ratelimit-unified-status": "allowed" };
/** Upstream headers that must never reach a client. */
const PRIVATE = { "set-cookie": "session=secret", "openai-organization": "org-private", "x-request-id": "req_upstream", "cf-ray": "abc" };

const chat = (stream: boolean) =>
  fetch(`${running.gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o", stream, messages: [{ role: "user", content: "hi" }] }) });
const messages = (model: string, stream: boolean) =>
  fetch(`${running.gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model, max_tokens: 50, stream, messages: [{ role: "user", content: "hi" }] }),
  });

function expectRelayed(response: Response, limits: Record<string, string>): void {
  for (const [name, value] of Object.entries(limits)) expect(response.headers.get(name)).toBe(value);
  expect(response.headers.get("set-cookie")).toBeNull();
  expect(response.headers.get("openai-organization")).toBeNull();
  expect(response.headers.get("cf-ray")).toBeNull();
  expect(response.headers.get("x-request-id")).not.toBe("req_upstream");
}

describe("native", () => {
  for (const stream of [false, true]) {
    test(`OpenAI Chat ${stream ? "stream" : "answer"}: x-ratelimit-* relayed`, async () => {
      running.mock.enqueue({ headers: { ...OPENAI_LIMITS, ...PRIVATE } });
      const response = await chat(stream);
      expect(response.status).toBe(200);
      expectRelayed(response, OPENAI_LIMITS);
      if (stream) expect((await readSse(response)).at(-1)!.raw).toBe("[DONE]");
      else expect((await response.json()).choices[0].message.content).toBeString();
    });

    test(`Anthropic ${stream ? "stream" : "answer"}: anthropic-ratelimit-* relayed`, async () => {
      running.mock.enqueue({ headers: { ...ANTHROPIC_LIMITS, ...PRIVATE } });
      const response = await messages("claude-sonnet-4-5", stream);
      expect(response.status).toBe(200);
      expectRelayed(response, ANTHROPIC_LIMITS);
      await response.arrayBuffer();
    });
  }
});

describe("translated: the provider's headers under its own names", () => {
  for (const stream of [false, true]) {
    test(`Anthropic client on an OpenAI Chat model (${stream ? "stream" : "answer"})`, async () => {
      running.mock.enqueue({ headers: { ...OPENAI_LIMITS, ...PRIVATE } });
      const response = await messages("gpt-4o", stream);
      expect(response.status).toBe(200);
      expectRelayed(response, OPENAI_LIMITS);
      expect([...response.headers.keys()].filter((name) => name.startsWith("anthropic-ratelimit-"))).toEqual([]);
      await response.arrayBuffer();
    });
  }

  test("a translated error keeps them, with retry-after", async () => {
    running.mock.enqueue({ status: 429, headers: { ...OPENAI_LIMITS, "retry-after": "7" }, json: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } } });
    const response = await messages("gpt-4o", false);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expectRelayed(response, OPENAI_LIMITS);
  });
});
