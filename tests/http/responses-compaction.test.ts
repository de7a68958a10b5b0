import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * Remote compaction for models OpenAI does not serve (Codex's built-in provider sends its
 * conversation with a `compaction_trigger` item and expects one `compaction` item back): the
 * routed model writes a summary, the client gets it as a compaction item, and a replayed
 * compaction item reaches every upstream as the summary it stands for.
 */

const summaryAnswer = (text: string) => ({
  json: { id: "msg_sum", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 120, output_tokens: 30 } },
});

const history = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "Rename foo to bar in src/app.ts" }] },
  { type: "function_call", call_id: "call_1", name: "shell", arguments: '{"cmd":"grep -n foo src/app.ts"}' },
  { type: "function_call_output", call_id: "call_1", output: "12: const foo = 1;" },
];
const tools = [{ type: "function", name: "shell", parameters: { type: "object", properties: { cmd: { type: "string" } } } }];

describe("compaction on a Claude route", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "codex-claude=>anthropic:claude-sonnet-4-5,codex-gpt=>openai:gpt-5.5" });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
  });

  const post = (body: Record<string, unknown>) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  test("a compaction_trigger gets exactly one compaction item holding the model's summary; the summary request is the one ledger row", async () => {
    mock.enqueue(summaryAnswer("Goal: rename foo to bar. Found it on line 12 of src/app.ts."));
    const rowsBefore = gw.ledger.entries.length;
    const answer = await post({ model: "codex-claude", store: false, tools, input: [...history, { type: "compaction_trigger" }] });
    expect(answer.status).toBe(200);
    const response = await answer.json();
    expect(response.status).toBe("completed");
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: "compaction", id: expect.stringMatching(/^cmp_/), encrypted_content: expect.stringMatching(/^tgwcmp1\./) });
    expect(response.usage).toMatchObject({ input_tokens: 120, output_tokens: 30 });

    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    // The whole conversation, then the instruction; tools declared (the history holds a call) but not callable.
    expect(JSON.stringify(sent.body.messages[0])).toContain("Rename foo to bar");
    expect(JSON.stringify(sent.body.messages.at(-1))).toContain("Context checkpoint");
    expect(sent.body.tool_choice).toEqual({ type: "none" });
    expect(JSON.stringify(sent.body)).not.toContain("compaction_trigger");
    expect(gw.ledger.entries.slice(rowsBefore).map((row) => [row.status, row.usage.inputTokens, row.usage.outputTokens])).toEqual([[200, 120, 30]]);
  });

  test("streamed, the compaction arrives as OpenAI streams it: created, in_progress, the item added and done, completed", async () => {
    mock.enqueue(summaryAnswer("Short summary."));
    const answer = await post({ model: "codex-claude", stream: true, store: false, input: [...history, { type: "compaction_trigger" }] });
    expect(answer.headers.get("content-type")).toContain("text/event-stream");
    const events = [...(await answer.text()).matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1]!));
    expect(events.map((event) => [event.type, event.sequence_number])).toEqual([
      ["response.created", 0],
      ["response.in_progress", 1],
      ["response.output_item.added", 2],
      ["response.output_item.done", 3],
      ["response.completed", 4],
    ]);
    expect(events[4].response.output).toEqual([events[3].item]);
    expect(events[3].item.type).toBe("compaction");
  });

  test("a replayed compaction item reaches Claude, and a native OpenAI model, as the summary it holds", async () => {
    mock.enqueue(summaryAnswer("Renamed nothing yet; foo is on line 12."));
    const compaction = (await (await post({ model: "codex-claude", store: false, input: [...history, { type: "compaction_trigger" }] })).json()).output[0];
    const next = [compaction, { type: "message", role: "user", content: [{ type: "input_text", text: "continue" }] }];

    await post({ model: "codex-claude", store: false, input: next });
    const toClaude = mock.requests.at(-1)!;
    expect(JSON.stringify(toClaude.body.messages[0])).toContain("Renamed nothing yet; foo is on line 12.");
    expect(JSON.stringify(toClaude.body)).not.toContain("tgwcmp1.");

    await post({ model: "codex-gpt", store: false, input: next });
    const toOpenAI = mock.requests.at(-1)!;
    expect(toOpenAI.path).toBe("/v1/responses");
    expect(toOpenAI.body.input[0]).toMatchObject({ type: "message", role: "user", content: [{ type: "input_text", text: expect.stringContaining("Renamed nothing yet") }] });
    expect(JSON.stringify(toOpenAI.body)).not.toContain("tgwcmp1.");
  });

  test("a native OpenAI Responses route compacts itself: the trigger is forwarded untouched", async () => {
    await post({ model: "codex-gpt", store: false, input: [...history, { type: "compaction_trigger" }] });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.input.at(-1)).toEqual({ type: "compaction_trigger" });
  });

  test("an upstream failure during the summary is the client's error, in its protocol", async () => {
    mock.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const answer = await post({ model: "codex-claude", store: false, input: [...history, { type: "compaction_trigger" }] });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect((await answer.json()).error).toMatchObject({ message: expect.stringContaining("Overloaded") });
  });
});
