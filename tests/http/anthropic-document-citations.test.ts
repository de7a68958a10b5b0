import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * C06 a document's `citations: {enabled: true}`. Through the hub to Claude (work_mode=translation)
 * the setting goes on and Claude's citations come back, streamed and not (the setting was dropped,
 * so Claude answered without them). A GPT model cannot cite: the request still goes, with the
 * document, and the answer has no citations (document-citations.ts logs why).
 */
const running = useMockedGateway((mock) => ({ ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"), TOKLIGENCE_WORK_MODE: "translation" }));

const cited = { type: "document", title: "Handbook", source: { type: "text", media_type: "text/plain", data: "Leave is 25 days." }, citations: { enabled: true } } as never;
const citation = { type: "char_location" as const, cited_text: "Leave is 25 days.", document_index: 0, document_title: "Handbook", file_id: null, start_char_index: 0, end_char_index: 17 };
const citedAnswer = {
  id: "msg_c", type: "message", role: "assistant", model: "claude-sonnet-4-5", stop_reason: "end_turn", stop_sequence: null,
  content: [{ type: "text", text: "You get 25 days.", citations: [citation] }],
  usage: { input_tokens: 20, output_tokens: 6 },
};
const ask = (model: string) => ({ model, max_tokens: 50, messages: [{ role: "user" as const, content: [cited, { type: "text" as const, text: "How much leave?" }] }] });

describe("C06 document citations through the hub to Claude", () => {
  test("the setting reaches Claude and its citations reach the client", async () => {
    running.mock.enqueue({ json: citedAnswer });
    const message = await sdkClients(running.gw.url).anthropic.messages.create(ask("claude-sonnet-4-5"));
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toEndWith("/v1/messages");
    expect(sent.body.messages[0].content[0].citations).toEqual({ enabled: true });
    expect(message.content).toEqual([{ type: "text", text: "You get 25 days.", citations: [citation] }]);
  });

  test("streamed: the citations arrive as citations_delta and build the same block", async () => {
    running.mock.enqueue({
      events: [
        { event: "message_start", data: { type: "message_start", message: { ...citedAnswer, content: [], stop_reason: null } } },
        { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: [] } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "You get 25 days." } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "citations_delta", citation } } },
        { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
        { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 6 } } },
        { event: "message_stop", data: { type: "message_stop" } },
      ],
    });
    const message = await sdkClients(running.gw.url).anthropic.messages.stream(ask("claude-sonnet-4-5")).finalMessage();
    expect(running.mock.requests.at(-1)!.body.messages[0].content[0].citations).toEqual({ enabled: true });
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "You get 25 days.", citations: [citation] }]);
  });
});

describe("C06 document citations on a GPT model", () => {
  test("the request goes with the document's text; the answer has no citations rather than failing", async () => {
    const message = await sdkClients(running.gw.url).anthropic.messages.create(ask("chat-x"));
    expect(message.content[0]).not.toHaveProperty("citations");
    expect(JSON.stringify(chatCompletionRequests(running.mock).at(-1)!.body.messages)).toContain("Leave is 25 days.");
  });
});
