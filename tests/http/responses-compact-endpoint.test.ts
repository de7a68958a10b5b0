import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestGateway } from "../support/gateway-harness";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";
import type { MockUpstream } from "../support/mock-upstream";

/**
 * POST /v1/responses/compact (the SDK's `responses.compact()`): forwarded to an OpenAI Responses
 * upstream, compacted by the routed model through the gateway everywhere else, answered in
 * OpenAI's `response.compaction` shape (the user messages, then one compaction item).
 */

const summaryAnswer = (text: string) => ({
  json: { id: "msg_sum", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 200, output_tokens: 40 } },
});

const history = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "Rename foo to bar in src/app.ts" }] },
  { type: "function_call", call_id: "call_1", name: "shell", arguments: '{"cmd":"grep -n foo src/app.ts"}' },
  { type: "function_call_output", call_id: "call_1", output: "12: const foo = 1;" },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "Found it on line 12." }] },
  { type: "message", role: "user", content: [{ type: "input_text", text: "Now do it." }] },
];

describe("POST /v1/responses/compact", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-compact-", { TOKLIGENCE_MODEL_ALIASES: "codex-claude=>anthropic:claude-sonnet-4-5,codex-gpt=>openai:gpt-5.5" });
    ({ mock, gw } = setup);
  });
  afterAll(() => setup?.stop());

  const compact = (body: Record<string, unknown>) => fetch(`${gw.url}/v1/responses/compact`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const rowsSince = (before: number) => gw.ledger.entries.slice(before).map((row) => [row.endpoint, row.status, row.usage.inputTokens, row.usage.outputTokens]);

  test("on a Claude route the model writes the summary: the user messages then one compaction item, its usage, one ledger row", async () => {
    mock.enqueue(summaryAnswer("Goal: rename foo to bar (line 12 of src/app.ts); next: edit it."));
    const before = gw.ledger.entries.length;
    const answer = await compact({ model: "codex-claude", input: history, instructions: "You are a coding agent." });
    expect(answer.status).toBe(200);
    const compacted = await answer.json();
    expect(compacted).toMatchObject({ object: "response.compaction", id: expect.any(String), created_at: expect.any(Number) });
    expect(compacted.output.map((item: any) => [item.type, item.role ?? null])).toEqual([
      ["message", "user"],
      ["message", "user"],
      ["compaction", null],
    ]);
    expect(compacted.output[2].encrypted_content).toMatch(/^tgwcmp1\./);
    expect(compacted.usage).toMatchObject({ input_tokens: 200, output_tokens: 40 });

    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(JSON.stringify(sent.body.system)).toContain("You are a coding agent.");
    expect(JSON.stringify(sent.body.messages.at(-1))).toContain("Context checkpoint");
    expect(rowsSince(before)).toEqual([["/v1/responses/compact", 200, 200, 40]]);
  });

  test("the compacted window continues the conversation: Claude reads the summary in place of the history", async () => {
    mock.enqueue(summaryAnswer("Renamed nothing yet; foo is on line 12."));
    const compacted = await (await compact({ model: "codex-claude", input: history })).json();
    await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "codex-claude", store: false, input: [...compacted.output, { role: "user", content: "continue" }] }),
    });
    const sent = JSON.stringify(mock.requests.at(-1)!.body.messages);
    expect(sent).toContain("Renamed nothing yet; foo is on line 12.");
    expect(sent).not.toContain("grep -n foo");
  });

  test("previous_response_id compacts the conversation this gateway stored", async () => {
    const first = await (
      await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "codex-claude", input: "Remember the number 4817." }) })
    ).json();
    mock.enqueue(summaryAnswer("The user asked to remember 4817."));
    const compacted = await (await compact({ model: "codex-claude", previous_response_id: first.id, input: "What was it?" })).json();
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).toContain("Remember the number 4817.");
    expect(compacted.output.filter((item: any) => item.type === "message").map((item: any) => item.content[0].text)).toEqual(["Remember the number 4817.", "What was it?"]);
  });

  test("an OpenAI Responses route forwards the call to /responses/compact; the row has OpenAI's usage", async () => {
    const openaiAnswer = { id: "cmp_up", object: "response.compaction", created_at: 1, output: [{ type: "compaction", id: "cmp_1", encrypted_content: "gAAA" }], usage: { input_tokens: 50, output_tokens: 5, total_tokens: 55 } };
    mock.enqueue({ json: openaiAnswer });
    const before = gw.ledger.entries.length;
    const answer = await compact({ model: "codex-gpt", input: history });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(openaiAnswer);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses/compact");
    expect(sent.body).toMatchObject({ model: "gpt-5.5", input: history });
    expect(sent.headers.authorization).toBe("Bearer sk-test-openai-key-123456");
    expect(rowsSince(before)).toEqual([["/v1/responses/compact", 200, 50, 5]]);
  });

  test("a request without input or previous_response_id is a 400 naming input, and still one ledger row", async () => {
    const before = gw.ledger.entries.length;
    const answer = await compact({ model: "codex-claude" });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toMatchObject({ type: "invalid_request_error", param: "input" });
    expect(rowsSince(before)).toEqual([["/v1/responses/compact", 400, 0, 0]]);
  });

  test("an unknown previous_response_id is OpenAI's 400 previous_response_not_found", async () => {
    const answer = await compact({ model: "codex-claude", previous_response_id: "resp_nowhere" });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toMatchObject({ code: "previous_response_not_found" });
  });

  test("an upstream failure during the summary is an OpenAI-shaped error with the upstream's status", async () => {
    mock.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const answer = await compact({ model: "codex-claude", input: history });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect((await answer.json()).error).toMatchObject({ message: expect.stringContaining("Overloaded") });
  });
});
