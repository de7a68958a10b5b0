/**
 * A Responses conversation that moves between Claude and a native OpenAI Responses model
 * (K06, K09): Claude's reasoning items (a gateway blob with its signed thinking, or no blob under
 * a gateway id) never reach OpenAI, which would refuse the request; OpenAI's reasoning never
 * reaches Claude as thinking. Each side keeps its own, by previous_response_id or in an input
 * list the client replays. The mock upstream records what each side received.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { wrapAnthropicReasoning } from "../../src/protocols/openai-responses/reasoning-blob";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

const lsTool = { type: "function", name: "ls", strict: false, parameters: { type: "object", properties: { path: { type: "string" } } } };

/** Claude thinks (signed), then calls `ls`. */
const claudeThinksThenCalls = (id: string, signature: string) => ({
  json: {
    id: `msg_${id}`, type: "message", role: "assistant", model: "claude-test",
    content: [{ type: "thinking", thinking: `thought ${id}`, signature }, { type: "tool_use", id, name: "ls", input: { path: "." } }],
    stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 3 },
  },
});

/** An OpenAI Responses answer with its own reasoning item (and blob), then text. */
const openaiReasons = (reasoningId: string) => ({
  json: {
    id: `resp_${reasoningId}`, object: "response", created_at: 1700000000, status: "completed", model: "gpt-4o",
    output: [
      { type: "reasoning", id: reasoningId, summary: [], encrypted_content: `gAAAAB-${reasoningId}` },
      { type: "message", id: `msg_${reasoningId}`, status: "completed", role: "assistant", content: [{ type: "output_text", text: "a.txt is there", annotations: [] }] },
    ],
    usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 8 },
  },
});

const reasoningIn = (input: any[]) => input.filter((item) => item.type === "reasoning");
const thinkingIn = (messages: any[]) => messages.flatMap((message) => (Array.isArray(message.content) ? message.content : [])).filter((block: any) => block.type === "thinking" || block.type === "redacted_thinking");

describe("reasoning replayed across Claude and native OpenAI Responses models", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let dataDir: string;

  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };
  const lastSent = () => mock.requests.at(-1)!;

  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-reasoning-replay-"));
    store = await openStore({ dataDir });
    await store.migrate();
    const responses = createResponseStore({ repository: store.responses, retentionHours: 24, logger: createSilentLogger(), now: () => new Date() });
    gw = await startTestGateway(mock, {}, { responses });
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const include of [[], ["reasoning.encrypted_content"]]) {
    test(`previous_response_id from Claude to OpenAI and back (include: ${JSON.stringify(include)}): each model gets only its own reasoning`, async () => {
      mock.enqueue(claudeThinksThenCalls("toolu_a", "SIG_A"));
      const first = await post({ model: "claude-test", input: "list files", tools: [lsTool], reasoning: { effort: "low" }, include });
      expect(first.output[0].type).toBe("reasoning");

      // OpenAI gets the history without Claude's reasoning item, the rest in order.
      mock.enqueue(openaiReasons("rs_openai_b"));
      const second = await post({ model: "gpt-4o", previous_response_id: first.id, tools: [lsTool], include, input: [{ type: "function_call_output", call_id: "toolu_a", output: "a.txt" }] });
      const toOpenAI = lastSent();
      expect(toOpenAI.path).toBe("/v1/responses");
      expect(toOpenAI.body.input.map((item: any) => item.type ?? item.role)).toEqual(["message", "function_call", "function_call_output"]);
      expect(JSON.stringify(toOpenAI.body)).not.toContain("SIG_A");

      // Back on Claude: Claude's signed thinking is replayed, OpenAI's reasoning is not turned into thinking.
      await post({ model: "claude-test", previous_response_id: second.id, tools: [lsTool], reasoning: { effort: "low" }, include, input: "thanks" });
      const toClaude = lastSent();
      expect(toClaude.path).toBe("/v1/messages");
      expect(thinkingIn(toClaude.body.messages)).toEqual([{ type: "thinking", thinking: "thought toolu_a", signature: "SIG_A" }]);
      expect(JSON.stringify(toClaude.body)).not.toContain("gAAAAB-rs_openai_b");

      // And on OpenAI again: its own reasoning goes back, Claude's still not at all.
      await post({ model: "gpt-4o", previous_response_id: second.id, input: "and now?" });
      const reasoning = reasoningIn(lastSent().body.input);
      expect(reasoning).toEqual([expect.objectContaining({ id: "rs_openai_b" })]);
    });
  }

  test("an input list replayed by the client (store:false): OpenAI gets its own reasoning only, Claude its signed thinking only", async () => {
    const history = [
      { type: "message", role: "user", content: "list files" },
      // Claude's turn, as the gateway gave it to a client that asked for encrypted_content...
      { type: "reasoning", id: "rs_tgw0c1a0de", summary: [], encrypted_content: wrapAnthropicReasoning({ text: "thought c", signature: "SIG_C" }) },
      { type: "function_call", call_id: "toolu_c", name: "ls", arguments: '{"path":"."}' },
      { type: "function_call_output", call_id: "toolu_c", output: "a.txt" },
      // ...and to one that did not (no blob, the gateway's id).
      { type: "reasoning", id: "rs_tgw0c1a0df", summary: [{ type: "summary_text", text: "thought d" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "There is a.txt.", annotations: [] }] },
      // OpenAI's own turn.
      { type: "reasoning", id: "rs_openai_e", summary: [], encrypted_content: "gAAAAB-rs_openai_e" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Anything else?", annotations: [] }] },
      { type: "message", role: "user", content: "no" },
    ];
    await post({ model: "gpt-4o", store: false, include: ["reasoning.encrypted_content"], tools: [lsTool], input: history });
    const toOpenAI = lastSent().body;
    expect(reasoningIn(toOpenAI.input)).toEqual([history[6]]);
    expect(toOpenAI.input).toHaveLength(history.length - 2);

    await post({ model: "claude-test", store: false, include: ["reasoning.encrypted_content"], tools: [lsTool], reasoning: { effort: "low" }, input: history });
    const toClaude = lastSent().body;
    expect(thinkingIn(toClaude.messages)).toEqual([{ type: "thinking", thinking: "thought c", signature: "SIG_C" }]);
    expect(JSON.stringify(toClaude)).not.toContain("gAAAAB-rs_openai_e");
  });

  test("a conversation stored before gateway reasoning ids were recognisable: the record's blob tells Claude's item apart", async () => {
    const claudeItem = { type: "reasoning", id: "rs_0123456789abcdef0123456789abcdef", summary: [] };
    await store.responses.put({
      id: "resp_stored_earlier",
      userId: null,
      model: "claude-test",
      createdAt: new Date(),
      expiresAt: null,
      request: { input: [{ type: "message", role: "user", content: "hi" }], instructions: null, previous_response_id: null, reasoning: { [claudeItem.id]: wrapAnthropicReasoning({ text: "old", signature: "SIG_OLD" }) } },
      response: { id: "resp_stored_earlier", object: "response", status: "completed", model: "claude-test", output: [claudeItem, { type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "hello", annotations: [] }] }] },
    });
    await post({ model: "gpt-4o", previous_response_id: "resp_stored_earlier", input: "again" });
    const sent = lastSent().body;
    expect(reasoningIn(sent.input)).toEqual([]);
    expect(sent.input.map((item: any) => item.role)).toEqual(["user", "assistant", "user"]);
  });

  test("a history with nothing foreign goes to OpenAI byte for byte", async () => {
    const body = { model: "gpt-4o", store: false, input: [{ type: "reasoning", id: "rs_openai_f", summary: [], encrypted_content: "gAAAAB-f" }, { type: "message", role: "user", content: "hi" }] };
    await post(body);
    expect(lastSent().body).toEqual(body);
  });
});
