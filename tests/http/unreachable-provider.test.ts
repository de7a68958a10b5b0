import { expect, test } from "bun:test";
import { startTestGateway } from "../support/gateway-harness";
import { findFreePort } from "../packaging/support/packaging-harness";

/**
 * With several providers configured, "cannot reach upstream: ECONNREFUSED" left a user to guess
 * which base_url was wrong (a local vLLM not started yet, a typo in a port). The provider's name
 * is in the answer; its URL is not, as internal addresses are none of a client's business.
 */
test("a provider that cannot be reached is named in the 502 (Anthropic clients: 500, the status Anthropic uses), in either protocol", async () => {
  const closedPort = findFreePort();
  const gw = await startTestGateway(undefined, {
    TOKLIGENCE_PROVIDERS__VLLM__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__VLLM__BASE_URL: `http://127.0.0.1:${closedPort}/v1`,
    TOKLIGENCE_PROVIDERS__VLLM__MODELS: "Qwen/*",
  });
  try {
    const chat = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "Qwen/Qwen3-8B", messages: [{ role: "user", content: "hi" }] }) });
    expect(chat.status).toBe(502);
    const chatError = ((await chat.json()) as { error: { message: string } }).error.message;
    expect(chatError).toStartWith("cannot reach upstream vllm: ");
    expect(chatError).not.toContain(String(closedPort));
    const messages = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "Qwen/Qwen3-8B", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }) });
    expect(messages.status).toBe(500);
    expect(((await messages.json()) as { error: { message: string } }).error.message).toStartWith("cannot reach upstream vllm: ");
    // One failure, one ledger status whichever API the client speaks (README "The ledger"):
    // the Anthropic client's 500 is the rendering of the gateway's 502.
    expect(gw.ledger.entries.map((entry) => [entry.endpoint, entry.provider, entry.status, entry.errorCode])).toEqual([
      ["/v1/chat/completions", "vllm", 502, "upstream_connect_failed"],
      ["/v1/messages", "vllm", 502, "upstream_connect_failed"],
    ]);
  } finally {
    await gw.stop();
  }
});
