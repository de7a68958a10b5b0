import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { openSocket, turn, wsUrl } from "../support/responses-socket";

/**
 * Conversations chained over a Responses WebSocket beyond the connection's own turns: a chain
 * that began with a stored response (HTTP, or an earlier socket) and goes on with store:false,
 * and a compaction turn continued by id on another provider.
 */

const summaryAnswer = (text: string) => ({
  json: { id: "msg_sum", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 200, output_tokens: 40 } },
});

describe("Responses WebSocket chains beyond the connection's own turns", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let dataDir: string;
  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-ws-chains-"));
    store = await openStore({ dataDir });
    await store.migrate();
    const responses = createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "ws-claude=>anthropic:claude-sonnet-4-5", ...chatOnlyProviderEnv(mock.openaiBaseUrl) }, { responses });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a chain begun with a stored response goes on over a fresh socket with store:false, turn after turn", async () => {
    // Before the fix the third turn was 400 previous_response_not_found: the second (store:false) was stored nowhere.
    const first = await (
      await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "ws-claude", input: "my name is Ada", store: true }) })
    ).json();
    const open = await openSocket(wsUrl(gw.url));
    const second = await turn(open, { model: "ws-claude", store: false, previous_response_id: first.id, input: "I live in Paris" });
    expect(second.type).toBe("response.completed");
    const upstreamBefore = mock.requests.length;
    const third = await turn(open, { model: "ws-claude", store: false, previous_response_id: second.response.id, input: "where do I live, and what is my name?" });
    expect(third.type).toBe("response.completed");
    open.socket.close();
    const sent = mock.requests.slice(upstreamBefore).find((request) => request.path === "/v1/messages")!;
    expect(sent.body.messages.map((m: { role: string; content: unknown }) => [m.role, JSON.stringify(m.content)])).toEqual([
      ["user", expect.stringContaining("my name is Ada")],
      ["assistant", expect.stringContaining("Hello from the mock upstream")],
      ["user", expect.stringContaining("I live in Paris")],
      ["assistant", expect.stringContaining("Hello from the mock upstream")],
      ["user", expect.stringContaining("where do I live")],
    ]);
  });

  test("a turn the connection expands itself echoes the previous_response_id the client sent, as OpenAI does", async () => {
    // Before the fix these frames said null (the HTTP path saw the expanded input), or the id of
    // the stored response the chain began with.
    const stored = await (
      await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "ws-claude", input: "hi", store: true }) })
    ).json();
    const open = await openSocket(wsUrl(gw.url));
    const warm = await turn(open, { model: "ws-claude", store: false, generate: false, previous_response_id: stored.id, input: "warm" });
    expect(warm.response.previous_response_id).toBe(stored.id);
    const first = await turn(open, { model: "ws-claude", store: false, previous_response_id: warm.response.id, input: "one" });
    const mark = open.frames.length;
    const second = await turn(open, { model: "ws-claude", store: false, previous_response_id: first.response.id, input: "two" });
    open.socket.close();
    expect(first.response.previous_response_id).toBe(warm.response.id);
    expect(second.response.previous_response_id).toBe(first.response.id);
    const carrying = open.frames.slice(mark).filter((frame) => frame.response);
    expect(carrying.map((frame) => frame.type)).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(carrying.map((frame) => frame.response.previous_response_id)).toEqual([first.response.id, first.response.id, first.response.id]);
  });

  test("a stored turn the connection expanded keeps that previous_response_id: GET says what the stream said", async () => {
    // The openai SDK's ResponsesWS: a warm-up (generate:false, stored nowhere), then a turn with
    // the default store:true continuing it. Before the fix GET answered previous_response_id null.
    const open = await openSocket(wsUrl(gw.url));
    const warm = await turn(open, { model: "ws-claude", generate: false, input: "context" });
    const stored = await turn(open, { model: "ws-claude", previous_response_id: warm.response.id, input: "go" });
    open.socket.close();
    expect(stored.response.previous_response_id).toBe(warm.response.id);
    const got = await (await fetch(`${gw.url}/v1/responses/${stored.response.id}`)).json();
    expect(got.previous_response_id).toBe(warm.response.id);
  });

  test("a compaction turn on Claude continued by id on a Chat model sends the compacted window, not the replaced history", async () => {
    mock.enqueue(summaryAnswer("User is Ada; the grep found foo on line 12."));
    const open = await openSocket(wsUrl(gw.url));
    const compacted = await turn(open, {
      model: "ws-claude",
      store: false,
      input: [
        { type: "message", role: "user", content: "rename foo" },
        { type: "function_call", call_id: "call_1", name: "shell", arguments: '{"cmd":"grep -n foo"}' },
        { type: "function_call_output", call_id: "call_1", output: "12: const foo = 1;" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "replaced-assistant-turn" }] },
        { type: "compaction_trigger" },
      ],
    });
    expect(compacted.response.output.map((item: { type: string }) => item.type)).toEqual(["compaction"]);
    const upstreamBefore = mock.requests.length;
    const next = await turn(open, { model: "chat-x", store: false, previous_response_id: compacted.response.id, input: "go on" });
    expect(next.type).toBe("response.completed");
    open.socket.close();
    const sent = mock.requests.slice(upstreamBefore).find((request) => request.path === "/v1/chat/completions")!;
    const text = JSON.stringify(sent.body.messages);
    expect(text).toContain("rename foo");
    expect(text).toContain("User is Ada; the grep found foo on line 12.");
    expect(text).toContain("go on");
    expect(text).not.toContain("replaced-assistant-turn");
    expect(text).not.toContain("call_1");
  });
});
