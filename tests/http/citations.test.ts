import { describe, expect, test } from "bun:test";
import { readSse, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/** C06 through the gateway: Claude's web search citations to Chat and Responses clients. */
const running = useMockedGateway();
const citation = { type: "web_search_result_location", url: "https://example.com/a", title: "A", encrypted_index: "x", cited_text: "a" };
const secondCitation = { type: "web_search_result_location", url: "https://example.com/b", title: "B", encrypted_index: "y", cited_text: "b" };
/** A document citation: no OpenAI counterpart, left out of the annotations, streamed or not. */
const pageCitation = { type: "page_location", cited_text: "a", document_index: 0, document_title: "doc", start_page_number: 1, end_page_number: 1 };
const answer = {
  id: "msg_c06", type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [
    { type: "text", text: "Intro. " },
    { type: "text", text: "Cited fact.", citations: [citation, pageCitation] },
    { type: "text", text: " Another.", citations: [secondCitation] },
  ],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 3 },
};
const post = (path: string, body: unknown) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
/** The same answer as Claude streams it: a cited block opens with `citations: []`, then citations_delta, then its text. */
const streamedAnswer = () => [
  ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 3, output_tokens: 0 } } }),
  ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Intro. " } }),
  ev("content_block_stop", { index: 0 }),
  ev("content_block_start", { index: 1, content_block: { type: "text", text: "", citations: [] } }),
  ev("content_block_delta", { index: 1, delta: { type: "citations_delta", citation } }),
  ev("content_block_delta", { index: 1, delta: { type: "citations_delta", citation: pageCitation } }),
  ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Cited " } }),
  ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "fact." } }),
  ev("content_block_stop", { index: 1 }),
  ev("content_block_start", { index: 2, content_block: { type: "text", text: "", citations: [] } }),
  ev("content_block_delta", { index: 2, delta: { type: "citations_delta", citation: secondCitation } }),
  ev("content_block_delta", { index: 2, delta: { type: "text_delta", text: " Another." } }),
  ev("content_block_stop", { index: 2 }),
  ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } }),
  ev("message_stop", {}),
];
const chatBody = { model: "claude-sonnet-4-5", messages: [{ role: "user" as const, content: "q" }] };
const responsesBody = { model: "claude-sonnet-4-5", input: "q" };
/** Every output_text part of a Responses output, as text and annotations. */
const textParts = (output: any[]) =>
  output.filter((item) => item.type === "message").flatMap((item) => item.content).map((part: any) => ({ text: part.text, annotations: part.annotations }));

describe("C06 web citations", () => {
  test("non-stream: Chat message.annotations and Responses output_text.annotations", async () => {
    running.mock.enqueue({ json: answer });
    const chat = (await (await post("/v1/chat/completions", chatBody)).json()) as any;
    expect(chat.choices[0].message.annotations).toEqual([
      { type: "url_citation", url_citation: { start_index: 7, end_index: 18, url: "https://example.com/a", title: "A" } },
      { type: "url_citation", url_citation: { start_index: 18, end_index: 27, url: "https://example.com/b", title: "B" } },
    ]);
    running.mock.enqueue({ json: answer });
    const responses = (await (await post("/v1/responses", responsesBody)).json()) as any;
    expect(responses.output[0].content[1].annotations).toEqual([{ type: "url_citation", start_index: 0, end_index: 11, url: "https://example.com/a", title: "A" }]);
  });

  test("Chat stream: the url_citations arrive in one delta.annotations chunk after the text, before the finish, as non-stream has them", async () => {
    running.mock.enqueue({ json: answer });
    const whole = ((await (await post("/v1/chat/completions", chatBody)).json()) as any).choices[0].message;
    running.mock.enqueue({ events: streamedAnswer() });
    const events = await readSse(await post("/v1/chat/completions", { ...chatBody, stream: true }));
    expect(events.at(-1)!.raw).toBe("[DONE]");
    const chunks = events.filter((e) => e.raw !== "[DONE]").map((e) => e.data);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe(whole.content);
    const annotated = chunks.findIndex((c) => c.choices[0]?.delta?.annotations);
    expect(chunks[annotated].choices[0].delta.annotations).toEqual(whole.annotations);
    expect(chunks.flatMap((c) => c.choices[0]?.delta?.annotations ?? [])).toEqual(whole.annotations);
    expect(annotated).toBeGreaterThan(chunks.findLastIndex((c) => c.choices[0]?.delta?.content));
    expect(annotated).toBeLessThan(chunks.findIndex((c) => c.choices[0]?.finish_reason));
  });

  test("Responses stream: output_text.annotation.added, then the done events and response.completed carry the non-stream annotations", async () => {
    running.mock.enqueue({ json: answer });
    const whole = (await (await post("/v1/responses", responsesBody)).json()) as any;
    running.mock.enqueue({ events: streamedAnswer() });
    const events = (await readSse(await post("/v1/responses", { ...responsesBody, stream: true }))).map((e) => e.data);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const added = events.filter((e) => e.type === "response.output_text.annotation.added");
    expect(added.length).toBe(2);
    const message = events.find((e) => e.type === "response.output_item.added" && e.output_index === added[0].output_index).item;
    expect(added[0]).toEqual({
      type: "response.output_text.annotation.added",
      sequence_number: added[0].sequence_number,
      item_id: message.id,
      output_index: added[0].output_index,
      content_index: 0,
      annotation_index: 0,
      annotation: { type: "url_citation", start_index: 0, end_index: 11, url: "https://example.com/a", title: "A" },
    });
    const textDone = events.find((e) => e.type === "response.output_text.done" && e.item_id === message.id);
    expect(textDone.sequence_number).toBe(added[0].sequence_number + 1);
    expect(events.find((e) => e.type === "response.content_part.done" && e.item_id === message.id).part.annotations).toEqual([added[0].annotation]);
    expect(events.find((e) => e.type === "response.output_item.done" && e.item.id === message.id).item.content[0].annotations).toEqual([added[0].annotation]);
    const completed = events.at(-1);
    expect(completed.type).toBe("response.completed");
    expect(textParts(completed.response.output)).toEqual(textParts(whole.output));
  });

  test("Responses stream read by the openai SDK: its accumulator takes the annotation events; the final response matches non-stream", async () => {
    const { openai } = sdkClients(running.gw.url);
    running.mock.enqueue({ json: answer });
    const whole = await openai.responses.create(responsesBody);
    running.mock.enqueue({ events: streamedAnswer() });
    const stream = openai.responses.stream(responsesBody);
    const seen: unknown[] = [];
    stream.on("response.output_text.annotation.added", (event) => void seen.push(event.annotation));
    const final = await stream.finalResponse();
    expect(seen).toEqual([
      { type: "url_citation", start_index: 0, end_index: 11, url: "https://example.com/a", title: "A" },
      { type: "url_citation", start_index: 0, end_index: 9, url: "https://example.com/b", title: "B" },
    ]);
    expect(textParts(final.output)).toEqual(textParts(whole.output));
  });

  test("Chat stream read by the openai SDK: finalChatCompletion keeps every block's url_citation, as non-stream", async () => {
    const { openai } = sdkClients(running.gw.url);
    running.mock.enqueue({ json: answer });
    const whole = await openai.chat.completions.create(chatBody);
    running.mock.enqueue({ events: streamedAnswer() });
    const final = await openai.chat.completions.stream(chatBody).finalChatCompletion();
    expect(whole.choices[0]!.message.annotations!.length).toBe(2);
    expect(final.choices[0]!.message.annotations).toEqual(whole.choices[0]!.message.annotations);
    expect(final.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
  });
});
