import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, type TestGateway } from "../support/gateway-harness";
import type { MockUpstream } from "../support/mock-upstream";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";

/**
 * POST /v1/responses/input_tokens with `previous_response_id`: a conversation this gateway
 * stored is counted whole (its input and output, then the new input), on every kind of route,
 * and the count itself is never stored.
 */

describe("POST /v1/responses/input_tokens with previous_response_id", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-input-tokens-", (upstream) => chatOnlyProviderEnv(upstream.openaiBaseUrl));
    ({ mock, gw } = setup);
  });
  afterAll(() => setup?.stop());

  const post = async (path: string, body: Record<string, unknown>) => {
    const answer = await fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: answer.status, body: (await answer.json()) as any };
  };
  /** A stored first turn on `model`, answered with `reply`. */
  const storedTurn = async (model: string, text: string, reply: string) => {
    mock.setDefaultText(reply);
    const first = await post("/v1/responses", { model, input: text });
    expect(first.status).toBe(200);
    return first.body.id as string;
  };

  test("Claude: count_tokens gets the stored conversation, then the new input", async () => {
    const id = await storedTurn("claude-sonnet-4-5", "Remember the number 4817.", "Noted: 4817.");
    const counted = await post("/v1/responses/input_tokens", { model: "claude-sonnet-4-5", previous_response_id: id, input: "What was it?" });
    expect(counted).toEqual({ status: 200, body: { object: "response.input_tokens", input_tokens: 42 } });
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages/count_tokens");
    const texts = sent.body.messages.map((message: any) => [message.role, message.content.map((part: any) => part.text).join("")]);
    expect(texts).toEqual([
      ["user", "Remember the number 4817."],
      ["assistant", "Noted: 4817."],
      ["user", "What was it?"],
    ]);
  });

  test("OpenAI Responses: a conversation this gateway stored goes as the full input, without the id OpenAI never issued", async () => {
    const id = await storedTurn("gpt-5.5", "Remember the number 4817.", "Noted: 4817.");
    const counted = await post("/v1/responses/input_tokens", { model: "gpt-5.5", previous_response_id: id, input: "What was it?" });
    expect(counted.status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses/input_tokens");
    expect(sent.body.previous_response_id).toBeUndefined();
    expect(JSON.stringify(sent.body.input)).toContain("Remember the number 4817.");
    expect(JSON.stringify(sent.body.input)).toContain("Noted: 4817.");
  });

  test("OpenAI Responses: an id this gateway does not hold is OpenAI's to resolve, forwarded as sent", async () => {
    const counted = await post("/v1/responses/input_tokens", { model: "gpt-5.5", previous_response_id: "resp_held_by_openai", input: "What was it?" });
    expect(counted.status).toBe(200);
    expect(mock.requests.at(-1)!.body).toMatchObject({ previous_response_id: "resp_held_by_openai", input: "What was it?" });
  });

  test("Chat-only: the estimate counts the stored history too", async () => {
    const history = "a long remembered passage about lighthouses and tides ".repeat(20);
    const id = await storedTurn("chat-small", history, "Noted.");
    const alone = await post("/v1/responses/input_tokens", { model: "chat-small", input: "What was it?" });
    const continued = await post("/v1/responses/input_tokens", { model: "chat-small", previous_response_id: id, input: "What was it?" });
    expect(continued.status).toBe(200);
    expect(continued.body.input_tokens - alone.body.input_tokens).toBeGreaterThan(150);
  });

  test("a translated route cannot count an unknown id: 400 previous_response_not_found, as POST /v1/responses", async () => {
    const counted = await post("/v1/responses/input_tokens", { model: "claude-sonnet-4-5", previous_response_id: "resp_nowhere", input: "hi" });
    expect(counted.status).toBe(400);
    expect(counted.body.error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
  });

  test("a count is never stored, even when its answer carries an id and the body says store: true", async () => {
    mock.enqueue({ json: { id: "resp_count_answer", object: "response.input_tokens", input_tokens: 5 } });
    const counted = await post("/v1/responses/input_tokens", { model: "gpt-5.5", input: "hi", store: true });
    expect(counted.status).toBe(200);
    expect(await setup!.store.responses.get("resp_count_answer", null, new Date())).toBeNull();
  });
});
