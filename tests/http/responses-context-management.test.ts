import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readSse, type TestGateway } from "../support/gateway-harness";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";
import type { MockUpstream } from "../support/mock-upstream";

/**
 * Server-side compaction (`context_management` with `compact_threshold`) on a Claude route: over
 * the threshold the routed model summarises the conversation first, the answer is asked over the
 * user messages plus that summary, and its output starts with the compaction item; the item then
 * stands for what it replaced, whether the client chains by input list or previous_response_id.
 */

const claudeAnswer = (text: string, usage = { input_tokens: 20, output_tokens: 5 }) => ({
  json: { id: "msg_x", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage },
});

const toolOutput = "12: const foo = 1; ".repeat(40);
const history = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "Rename foo to bar in src/app.ts" }] },
  { type: "function_call", call_id: "call_1", name: "shell", arguments: '{"cmd":"grep -n foo src/app.ts"}' },
  { type: "function_call_output", call_id: "call_1", output: toolOutput },
  { type: "message", role: "user", content: [{ type: "input_text", text: "Now do it." }] },
];
const tools = [{ type: "function", name: "shell", parameters: { type: "object", properties: { cmd: { type: "string" } } } }];
const compactAt = (threshold: number) => [{ type: "compaction", compact_threshold: threshold }];

describe("context_management compaction on a Claude route", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-ctxmgmt-", { TOKLIGENCE_MODEL_ALIASES: "codex-claude=>anthropic:claude-sonnet-4-5,codex-gpt=>openai:gpt-5.5" });
    ({ mock, gw } = setup);
  });
  afterAll(() => setup?.stop());

  const post = (body: Record<string, unknown>) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  test("under the threshold the request is answered as usual: one upstream call, no compaction item", async () => {
    const before = mock.requests.length;
    mock.enqueue(claudeAnswer("Done."));
    const response = await (await post({ model: "codex-claude", store: false, tools, input: history, context_management: compactAt(100_000) })).json();
    expect(response.output.map((item: any) => item.type)).toEqual(["message"]);
    const sent = mock.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body)).toContain("12: const foo");
    expect(sent[0]!.body.context_management).toBeUndefined();
  });

  test("over the threshold the model summarises first; the answer sees the user messages and the summary, and its output starts with the compaction item", async () => {
    const before = mock.requests.length;
    const rows = gw.ledger.entries.length;
    mock.enqueue(claudeAnswer("SUMMARY: foo is on line 12 of src/app.ts; rename pending.", { input_tokens: 300, output_tokens: 20 }), claudeAnswer("Renamed it."));
    const answer = await post({ model: "codex-claude", store: false, tools, input: history, context_management: compactAt(100) });
    expect(answer.status).toBe(200);
    const response = await answer.json();
    expect(response.output.map((item: any) => item.type)).toEqual(["compaction", "message"]);
    expect(response.output[0].encrypted_content).toMatch(/^tgwcmp1\./);
    expect(response.output[1].content[0].text).toBe("Renamed it.");
    // The answer's usage: what the context now costs (the summary's tokens are in its own row).
    expect(response.usage).toMatchObject({ input_tokens: 20, output_tokens: 5 });

    const [summary, reply] = mock.requests.slice(before);
    expect(JSON.stringify(summary!.body.messages.at(-1))).toContain("Context checkpoint");
    expect(JSON.stringify(summary!.body.messages)).toContain("12: const foo");
    const replied = JSON.stringify(reply!.body.messages);
    expect(replied).toContain("SUMMARY: foo is on line 12");
    expect(replied).toContain("Rename foo to bar");
    expect(replied).toContain("Now do it.");
    expect(replied).not.toContain("12: const foo");
    expect(gw.ledger.entries.slice(rows).map((row) => [row.status, row.usage.inputTokens, row.usage.outputTokens])).toEqual([
      [200, 300, 20],
      [200, 20, 5],
    ]);

    // Chained by input list: the old items stay in the client's list, the compaction item stands for them.
    mock.enqueue(claudeAnswer("Next."));
    const next = [...history, ...response.output, { type: "message", role: "user", content: [{ type: "input_text", text: "And the tests?" }] }];
    await post({ model: "codex-claude", store: false, tools, input: next, context_management: compactAt(100_000) });
    const chained = JSON.stringify(mock.requests.at(-1)!.body.messages);
    expect(chained).toContain("SUMMARY: foo is on line 12");
    expect(chained).toContain("Renamed it.");
    expect(chained).toContain("And the tests?");
    expect(chained).not.toContain("12: const foo");
  });

  test("streamed, the compaction item is announced first, then the model's answer, in one numbered sequence", async () => {
    mock.enqueue(claudeAnswer("SUMMARY: streamed."));
    const answer = await post({ model: "codex-claude", store: false, stream: true, input: history, context_management: compactAt(100) });
    const events = (await readSse(answer)).map((event) => event.data);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.slice(0, 4).map((event) => [event.type, event.output_index ?? null, event.item?.type ?? null])).toEqual([
      ["response.created", null, null],
      ["response.in_progress", null, null],
      ["response.output_item.added", 0, "compaction"],
      ["response.output_item.done", 0, "compaction"],
    ]);
    expect(events.find((event) => event.type === "response.output_item.added" && event.item.type === "message").output_index).toBe(1);
    const completed = events.at(-1);
    expect(completed.type).toBe("response.completed");
    expect(completed.response.output.map((item: any) => item.type)).toEqual(["compaction", "message"]);
  });

  test("chained by previous_response_id, the stored conversation continues from the compaction, holding the summary once", async () => {
    mock.enqueue(claudeAnswer("SUMMARY: stored chain."), claudeAnswer("First answer."));
    const first = await (await post({ model: "codex-claude", tools, input: history, context_management: compactAt(100) })).json();
    expect(first.output.map((item: any) => item.type)).toEqual(["compaction", "message"]);
    mock.enqueue(claudeAnswer("Second answer."));
    await post({ model: "codex-claude", tools, previous_response_id: first.id, input: "And now?", context_management: compactAt(100_000) });
    const sent = JSON.stringify(mock.requests.at(-1)!.body.messages);
    expect(sent.split("SUMMARY: stored chain.").length - 1).toBe(1);
    expect(sent).toContain("First answer.");
    expect(sent).toContain("And now?");
    expect(sent).not.toContain("12: const foo");
  });

  test("a malformed context_management is OpenAI's 400 naming the field", async () => {
    const answer = await post({ model: "codex-claude", input: "hi", context_management: [{ type: "compaction", compact_threshold: "soon" }] });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toMatchObject({ type: "invalid_request_error", param: "context_management[0].compact_threshold" });
  });

  test("an input item that is not an object is OpenAI's 400 naming it (it was a 500 from the compaction rendering), with its ledger row", async () => {
    for (const [input, param] of [[[null], "input[0]"], [[history[0], 5], "input[1]"], [[history[0], "text"], "input[1]"]] as const) {
      const before = mock.requests.length;
      const rows = gw.ledger.entries.length;
      const answer = await post({ model: "codex-claude", input, context_management: compactAt(100_000) });
      expect(answer.status).toBe(400);
      expect((await answer.json()).error).toMatchObject({ type: "invalid_request_error", param, message: `${param} must be an object` });
      expect(mock.requests.length).toBe(before);
      expect(gw.ledger.entries.length).toBe(rows + 1);
      expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 400, errorCode: "invalid_request" });
    }
  });

  test("a native OpenAI Responses route gets context_management as sent", async () => {
    await post({ model: "codex-gpt", store: false, input: history, context_management: compactAt(100) });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.context_management).toEqual(compactAt(100));
    expect(sent.body.input).toEqual(history);
  });

  test("a failed summary is the client's error; the answer is not asked", async () => {
    const before = mock.requests.length;
    mock.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const answer = await post({ model: "codex-claude", store: false, input: history, context_management: compactAt(100) });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect((await answer.json()).error.message).toContain("Overloaded");
    expect(mock.requests.length - before).toBe(1);
  });
});
