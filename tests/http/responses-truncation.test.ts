import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, type TestGateway } from "../support/gateway-harness";
import type { MockUpstream } from "../support/mock-upstream";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";

/**
 * R09: `truncation: "auto"` on Responses requests translated to Claude or a Chat model. Over the
 * model's context window (here 2,000 tokens, from `[models."…"] context_window`) the oldest
 * whole turns are dropped before the request goes upstream; what cannot fit is OpenAI's 400
 * context_length_exceeded; "disabled" and native OpenAI Responses routes are left alone.
 */

/** About 1,100 tokens of text. */
const long = (label: string) => `${label}: ${"lorem ipsum dolor sit amet ".repeat(200)}`;
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistant = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const tools = [{ type: "function", name: "shell", parameters: { type: "object", properties: { cmd: { type: "string" } } } }];
const history = [
  user(long("FIRST-TURN")),
  { type: "function_call", call_id: "call_old", name: "shell", arguments: '{"cmd":"ls"}' },
  { type: "function_call_output", call_id: "call_old", output: long("OLD-TOOL-OUTPUT") },
  assistant("first answer"),
  user(long("SECOND-TURN")),
  { type: "function_call", call_id: "call_new", name: "shell", arguments: '{"cmd":"pwd"}' },
  { type: "function_call_output", call_id: "call_new", output: "/repo" },
  assistant("second answer"),
  user("THIRD-TURN: and now?"),
];

describe('truncation: "auto" on translated Responses routes', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-truncation-", (upstream) => ({
      ...chatOnlyProviderEnv(upstream.openaiBaseUrl, "chat_*"),
      TOKLIGENCE_ROUTES: "tiny_*=>anthropic,fitover_*=>anthropic|openai",
      TOKLIGENCE_MODELS__TINY_CLAUDE__CONTEXT_WINDOW: "2000",
      TOKLIGENCE_MODELS__FITOVER_MODEL__CONTEXT_WINDOW: "2000",
      TOKLIGENCE_MODELS__CHAT_TINY__CONTEXT_WINDOW: "2000",
      TOKLIGENCE_MODEL_ALIASES: "big_claude=>anthropic:claude-sonnet-4-5",
    }));
    ({ mock, gw } = setup);
  });
  afterAll(() => setup?.stop());

  const post = (body: Record<string, unknown>) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  test("Claude: the oldest turn goes whole (its tool pair with it); the instructions and later turns reach the upstream", async () => {
    const answer = await post({ model: "tiny_claude", store: false, instructions: "SYSTEM-RULES", tools, input: history, max_output_tokens: 300, truncation: "auto" });
    expect(answer.status).toBe(200);
    const response = await answer.json();
    expect(response.truncation).toBe("auto");
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    const messages = JSON.stringify(sent.body.messages);
    expect(messages).not.toContain("FIRST-TURN");
    expect(messages).not.toContain("OLD-TOOL-OUTPUT");
    expect(messages).not.toContain("call_old");
    expect(messages).toContain("SECOND-TURN");
    expect(messages).toContain("THIRD-TURN");
    expect(JSON.stringify(sent.body.system)).toContain("SYSTEM-RULES");
    // The kept tool call and its result stay a pair.
    expect(sent.body.messages.map((message: any) => message.content.map((block: any) => block.type).join(","))).toEqual(["text", "tool_use", "tool_result", "text", "text"]);
  });

  test('with "disabled" (the default) or on a model whose window is unknown, nothing is trimmed', async () => {
    for (const body of [
      { model: "tiny_claude", input: history, max_output_tokens: 300, truncation: "disabled" },
      { model: "tiny_claude", input: history, max_output_tokens: 300 },
      { model: "tiny_unknown", input: history, max_output_tokens: 300, truncation: "auto" },
    ]) {
      expect((await post({ ...body, store: false, tools })).status).toBe(200);
      const messages = JSON.stringify(mock.requests.at(-1)!.body.messages);
      expect(messages).toContain("FIRST-TURN");
      expect(messages).toContain("OLD-TOOL-OUTPUT");
    }
  });

  test("a Chat model is trimmed the same way", async () => {
    expect((await post({ model: "chat_tiny", store: false, instructions: "SYSTEM-RULES", tools, input: history, max_output_tokens: 300, truncation: "auto" })).status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    const messages = JSON.stringify(sent.body.messages);
    expect(messages).not.toContain("FIRST-TURN");
    expect(messages).not.toContain("call_old");
    expect(messages).toContain("SECOND-TURN");
    expect(sent.body.messages[0]).toMatchObject({ role: "system" });
    expect(JSON.stringify(sent.body.messages[0])).toContain("SYSTEM-RULES");
  });

  test("history behind previous_response_id is trimmed like input: the stored first turn goes", async () => {
    const first = await (await post({ model: "tiny_claude", input: [user(long("STORED-TURN"))], max_output_tokens: 300 })).json();
    expect(first.status).toBe("completed");
    expect((await post({ model: "tiny_claude", previous_response_id: first.id, input: [user(long("NEXT-TURN"))], max_output_tokens: 300, truncation: "auto" })).status).toBe(200);
    const messages = JSON.stringify(mock.requests.at(-1)!.body.messages);
    expect(messages).not.toContain("STORED-TURN");
    expect(messages).toContain("NEXT-TURN");
    // Without truncation the same chain is sent whole (the stored turn is not lost from the store).
    expect((await post({ model: "tiny_claude", previous_response_id: first.id, input: [user(long("NEXT-TURN"))], max_output_tokens: 300 })).status).toBe(200);
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).toContain("STORED-TURN");
  });

  test("a last user turn that cannot fit is OpenAI's 400 context_length_exceeded, nothing sent upstream", async () => {
    const before = mock.requests.length;
    const answer = await post({ model: "tiny_claude", store: false, input: [user("old"), assistant("ok"), user(long("HUGE") + long("HUGE"))], max_output_tokens: 300, truncation: "auto" });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toMatchObject({ type: "invalid_request_error", code: "context_length_exceeded", param: "input" });
    expect(mock.requests.length).toBe(before);
  });

  test("a model whose window is unknown: Claude's refusal names it, the same request goes again trimmed, and later ones are trimmed first", async () => {
    mock.enqueue({ status: 400, json: { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 2450 tokens > 2000 maximum" } } });
    const before = mock.requests.length;
    const answer = await post({ model: "tiny_learns", store: false, tools, input: history, max_output_tokens: 300, truncation: "auto" });
    expect(answer.status).toBe(200);
    const [refused, retried] = mock.requests.slice(before);
    expect(JSON.stringify(refused!.body.messages)).toContain("FIRST-TURN");
    expect(JSON.stringify(retried!.body.messages)).not.toContain("FIRST-TURN");
    expect(JSON.stringify(retried!.body.messages)).toContain("THIRD-TURN");
    expect(mock.requests.length).toBe(before + 2);
    // Learned for the provider's model: the next request is trimmed before it is sent.
    expect((await post({ model: "tiny_learns", store: false, tools, input: history, max_output_tokens: 300, truncation: "auto" })).status).toBe(200);
    expect(mock.requests.length).toBe(before + 3);
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).not.toContain("FIRST-TURN");
  });

  test("a Chat server's refusal teaches the window too; without truncation its 400 reaches the client and nothing is retried", async () => {
    const refusal = { status: 400, json: { error: { message: "This model's maximum context length is 2000 tokens. However, you requested 2750 tokens (2450 in the messages, 300 in the completion).", type: "invalid_request_error", code: "context_length_exceeded" } } };
    mock.enqueue(refusal);
    let before = mock.requests.length;
    const untrimmed = await post({ model: "chat_learns", store: false, tools, input: history, max_output_tokens: 300 });
    expect(untrimmed.status).toBe(400);
    expect((await untrimmed.json()).error.code).toBe("context_length_exceeded");
    expect(mock.requests.length).toBe(before + 1);
    // The window was learned from that refusal: with truncation the request is trimmed at once.
    before = mock.requests.length;
    expect((await post({ model: "chat_learns", store: false, tools, input: history, max_output_tokens: 300, truncation: "auto" })).status).toBe(200);
    expect(mock.requests.length).toBe(before + 1);
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).not.toContain("FIRST-TURN");
  });

  test("a refusal that still comes after trimming to the named window reaches the client (one retry per target)", async () => {
    const refusal = { status: 400, json: { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 2450 tokens > 2000 maximum" } } };
    mock.enqueue(refusal, refusal);
    const before = mock.requests.length;
    const answer = await post({ model: "tiny_stubborn", store: false, tools, input: history, max_output_tokens: 300, truncation: "auto" });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error.code).toBe("context_length_exceeded");
    expect(mock.requests.length).toBe(before + 2);
  });

  test("a request that cannot fit the first provider of its route goes to the next one", async () => {
    const before = mock.requests.length;
    const input = [user("old"), assistant("ok"), user(long("HUGE") + long("HUGE"))];
    const answer = await post({ model: "fitover_model", store: false, input, max_output_tokens: 300, truncation: "auto" });
    expect(answer.status).toBe(200);
    expect(mock.requests.length).toBe(before + 1);
    expect(mock.requests.at(-1)!.path).toBe("/v1/responses");
    expect(mock.requests.at(-1)!.body.truncation).toBe("auto");
  });

  test("input_tokens with truncation counts what would be sent: the trimmed input", async () => {
    const count = await fetch(`${gw.url}/v1/responses/input_tokens`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "tiny_claude", tools, input: history, truncation: "auto" }) });
    expect(count.status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages/count_tokens");
    expect(JSON.stringify(sent.body.messages)).not.toContain("FIRST-TURN");
    expect(JSON.stringify(sent.body.messages)).toContain("THIRD-TURN");
  });

  test("a native OpenAI Responses route gets truncation and the whole input as sent (OpenAI applies it)", async () => {
    expect((await post({ model: "gpt-5.5", store: false, input: history, truncation: "auto" })).status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.truncation).toBe("auto");
    expect(sent.body.input).toEqual(history);
  });
});
