import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * gateway.stream_opening_window_ms is the gateway's, not a constant: an error the upstream sends
 * after its preamble is an HTTP error (and may fail over) inside the window, and an error event
 * in a 200 stream once the window has passed and the client has its headers.
 */
const messageStart = { event: "message_start", data: { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-window-test", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } } };
const overloaded = { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } };
const ask = (gw: TestGateway) =>
  fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify({ model: "claude-window-test", max_tokens: 16, stream: true, messages: [{ role: "user", content: "hi" }] }) });

describe("stream opening window", () => {
  let mock: MockUpstream;
  let wide: TestGateway;
  let narrow: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    wide = await startTestGateway(mock, { TOKLIGENCE_GATEWAY__STREAM_OPENING_WINDOW_MS: "4000" });
    narrow = await startTestGateway(mock, { TOKLIGENCE_GATEWAY__STREAM_OPENING_WINDOW_MS: "100" });
  });
  afterAll(async () => {
    await wide.stop();
    await narrow.stop();
    await mock.stop();
  });

  test("a window longer than the default still catches an error 1.5 s after the preamble: an HTTP 529, no 200 stream", async () => {
    mock.enqueue({ events: [messageStart, overloaded], intervalMs: 1_500 });
    const response = await ask(wide);
    expect(response.status).toBe(529);
    expect(await response.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  }, 10_000);

  test("a shorter window sends the headers first: the same error 400 ms later comes inside the 200 stream", async () => {
    mock.enqueue({ events: [messageStart, overloaded], intervalMs: 400 });
    const response = await ask(narrow);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: message_start");
    expect(text).toContain("overloaded_error");
  });
});
