import { expect, test } from "bun:test";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * A same-protocol upstream error is relayed as the upstream wrote it, but only when it is JSON:
 * a proxy in front of a provider answers 502/503 with an HTML page or nothing at all, and the
 * official SDKs parse an error body as the protocol's JSON error. Those reach the client in its
 * protocol's shape, status kept.
 */
const running = useMockedGateway();

const post = (path: string, body: unknown) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const htmlPage = { status: 502, headers: { "content-type": "text/html" }, rawBody: "<html><body>502 Bad Gateway</body></html>" };

test("an HTML error page on a native OpenAI route reaches the client as an OpenAI error, status kept", async () => {
  running.mock.enqueue(htmlPage);
  const response = await post("/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(502);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as any;
  expect(typeof body.error.message).toBe("string");
  expect(body.error.type).toBeString();
});

test("an empty error body on a native Anthropic route reaches the client as an Anthropic error, with Anthropic's status for it", async () => {
  running.mock.enqueue({ status: 502, rawBody: "" });
  const response = await post("/v1/messages", { model: "claude-3-5-haiku-latest", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
  // A proxy's 502: Anthropic's API answers server faults 500 api_error (still retried).
  expect(response.status).toBe(500);
  const body = (await response.json()) as any;
  expect(body.type).toBe("error");
  expect(typeof body.error.type).toBe("string");
});

test("a JSON error body is still relayed as the upstream wrote it", async () => {
  const upstreamError = { error: { message: "bad thing", type: "invalid_request_error", param: "messages", code: "custom_code" } };
  running.mock.enqueue({ status: 400, json: upstreamError });
  const response = await post("/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual(upstreamError);
});
