import { describe, expect, test } from "bun:test";
import { readSse, useMockedGateway } from "../support/gateway-harness";

/** C06 through the gateway: Claude's web search citations to Chat and Responses clients. */
const running = useMockedGateway();
const citation = { type: "web_search_result_location", url: "https://example.com/a", title: "A", encrypted_index: "x", cited_text: "a" };
const answer = {
  id: "msg_c06", type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [{ type: "text", text: "Intro. " }, { type: "text", text: "Cited fact.", citations: [citation] }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 3 },
};
const post = (path: string, body: unknown) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("C06 web citations", () => {
  test("non-stream: Chat message.annotations and Responses output_text.annotations", async () => {
    running.mock.enqueue({ json: answer });
    const chat = (await (await post("/v1/chat/completions", { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "q" }] })).json()) as any;
    expect(chat.choices[0].message.annotations).toEqual([{ type: "url_citation", url_citation: { start_index: 7, end_index: 18, url: "https://example.com/a", title: "A" } }]);
    running.mock.enqueue({ json: answer });
    const responses = (await (await post("/v1/responses", { model: "claude-sonnet-4-5", input: "q" })).json()) as any;
    expect(responses.output[0].content[1].annotations).toEqual([{ type: "url_citation", start_index: 0, end_index: 11, url: "https://example.com/a", title: "A" }]);
  });

  test("stream: a citations_delta does not break the Chat stream; the text arrives whole", async () => {
    const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
    running.mock.enqueue({
      events: [
        ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 3, output_tokens: 0 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "text", text: "", citations: [] } }),
        ev("content_block_delta", { index: 0, delta: { type: "citations_delta", citation } }),
        ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Cited fact." } }),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } }),
        ev("message_stop", {}),
      ],
    });
    const events = await readSse(await post("/v1/chat/completions", { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "q" }] }));
    expect(events.map((e) => e.data?.choices?.[0]?.delta?.content ?? "").join("")).toBe("Cited fact.");
    expect(events.at(-1)!.raw).toContain("[DONE]");
  });
});
