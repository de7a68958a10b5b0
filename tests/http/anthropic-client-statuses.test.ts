import { describe, expect, test } from "bun:test";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * Anthropic clients get the statuses Anthropic's API answers with (400, 401, 402, 403, 404, 413,
 * 429, 500, 504, 529: https://docs.anthropic.com/en/api/errors), whatever an upstream sent: an
 * OpenAI-compatible server's 422 used to reach them as 422. Retried statuses stay retried (the
 * SDKs retry 408, 409, 429 and 5xx), final ones stay final.
 */
const running = useMockedGateway();

const ask = (model: string) =>
  fetch(`${running.gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
  });

/** upstream status → [status, error type] an Anthropic client gets. */
const EXPECTED: Array<[number, number, string]> = [
  [422, 400, "invalid_request_error"],
  [405, 400, "invalid_request_error"],
  [402, 402, "billing_error"],
  [408, 504, "timeout_error"],
  [409, 500, "api_error"],
  [502, 500, "api_error"],
  [503, 529, "overloaded_error"],
  [504, 504, "timeout_error"],
];

describe("translated (OpenAI Chat upstream)", () => {
  for (const [upstream, status, type] of EXPECTED) {
    test(`upstream ${upstream} → ${status} ${type}`, async () => {
      running.mock.enqueue({ status: upstream, json: { error: { message: `failed with ${upstream}`, type: "invalid_request_error", param: null, code: null } } });
      const response = await ask("gpt-4o");
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body.error).toEqual({ type, message: `failed with ${upstream}` });
    });
  }
});

describe("native (Anthropic-protocol upstream): the body as written, the status Anthropic's", () => {
  for (const [upstream, status] of EXPECTED) {
    test(`upstream ${upstream} → ${status}`, async () => {
      const written = { type: "error", error: { type: "invalid_request_error", message: `failed with ${upstream}` } };
      running.mock.enqueue({ status: upstream, json: written });
      const response = await ask("claude-sonnet-4-5");
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual(written);
    });
  }

  test("Anthropic's own statuses are kept", async () => {
    for (const upstream of [400, 401, 403, 404, 413, 429, 500, 529]) {
      running.mock.enqueue({ status: upstream, json: { type: "error", error: { type: "api_error", message: "x" } } });
      expect((await ask("claude-sonnet-4-5")).status).toBe(upstream);
    }
  });
});
