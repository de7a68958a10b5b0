import { describe, expect, test } from "bun:test";
import type { Protocol } from "../../../src/canonical/types";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * C06, streamed: Claude's `citations_delta` events reach OpenAI clients as Chat
 * `delta.annotations` and Responses `response.output_text.annotation.added`, with the same
 * url_citations the non-stream answer gets (url-citations.test.ts covers that one).
 */
const web = (url: string, title: string, index: string) => ({ type: "web_search_result_location", url, title, encrypted_index: index, cited_text: "…" });
/** A web search answer as Claude gives it: the hosted search blocks, then cited and uncited text. */
const answer = {
  id: "msg_c06s", type: "message", role: "assistant", model: "claude-sonnet-4-6",
  content: [
    { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "bun" } },
    { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://bun.sh", title: "Bun", encrypted_content: "x" }] },
    { type: "text", text: "Per the docs, " },
    // The same page cited twice: one annotation, as non-stream.
    { type: "text", text: "Bun is fast.", citations: [web("https://bun.sh", "Bun", "e1"), web("https://bun.sh", "Bun", "e2")] },
    { type: "text", text: " Node is older", citations: [web("https://nodejs.org", "Node", "e3"), web("https://en.wikipedia.org/wiki/Node.js", "Node.js", "e4")] },
    // Citation kinds with no OpenAI counterpart: their text stays, no annotation.
    {
      type: "text", text: " and a PDF agrees.",
      citations: [
        { type: "page_location", cited_text: "so", document_index: 0, document_title: "paper", start_page_number: 1, end_page_number: 2 },
        { type: "char_location", cited_text: "so", document_index: 0, document_title: "paper", start_char_index: 0, end_char_index: 2 },
        { type: "content_block_location", cited_text: "so", document_index: 0, document_title: "paper", start_block_index: 0, end_block_index: 1 },
        { type: "search_result_location", cited_text: "so", source: "kb://1", title: "KB", search_result_index: 0, start_block_index: 0, end_block_index: 1 },
      ],
    },
    { type: "text", text: " 🚀 Done.", citations: [web("https://bun.sh/blog", "Blog", "e5")] },
  ],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 9 },
};

const sse = (type: string, payload: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

/**
 * The same answer as Claude streams it: a cited text block opens with `citations: []`, its
 * `citations_delta`s come first, then the text in two deltas.
 */
function streamOf(message: typeof answer): SseEvent[] {
  const events = [sse("message_start", { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } })];
  message.content.forEach((block, index) => {
    if (block.type !== "text") {
      events.push(sse("content_block_start", { index, content_block: block }), sse("content_block_stop", { index }));
      return;
    }
    const citations = "citations" in block ? block.citations : undefined;
    events.push(sse("content_block_start", { index, content_block: { type: "text", text: "", ...(citations ? { citations: [] } : {}) } }));
    for (const citation of citations ?? []) events.push(sse("content_block_delta", { index, delta: { type: "citations_delta", citation } }));
    const whole = block.text ?? "";
    const half = Math.ceil(whole.length / 2);
    for (const text of [whole.slice(0, half), whole.slice(half)]) events.push(sse("content_block_delta", { index, delta: { type: "text_delta", text } }));
    events.push(sse("content_block_stop", { index }));
  });
  events.push(sse("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }), sse("message_stop", {}));
  return events;
}

function translators(client: Protocol) {
  const translator = findTranslator(client, "anthropic")!;
  const context = () => {
    const ctx = makeContext(client, "anthropic");
    translator.buildUpstreamRequest(client === "openai-chat" ? { model: "m", messages: [{ role: "user", content: "q" }] } : { model: "m", input: "q" }, ctx);
    return ctx;
  };
  return {
    whole: () => translator.translateResponse(answer, context()).body as any,
    collected: () => translator.translateCollectedStream(streamOf(answer), context()).body as any,
    /** The client's events, one list per upstream event pushed (the last list is `end()`'s). */
    streamed: () => {
      const stream = translator.createStreamTranslator(context());
      const parse = (events: SseEvent[]) => events.map((event) => (event.data === "[DONE]" ? "[DONE]" : JSON.parse(event.data)));
      return [...streamOf(answer).map((event) => parse(stream.push(event))), parse(stream.end())];
    },
  };
}

describe("C06 Chat Completions stream", () => {
  const chat = translators("openai-chat");

  test("the web citations arrive in one delta.annotations chunk after the last text and before the finish, indexed into the whole content", () => {
    const chunks = chat.streamed().flat().filter((c) => c !== "[DONE]");
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("Per the docs, Bun is fast. Node is older and a PDF agrees. 🚀 Done.");
    const annotated = chunks.filter((c) => c.choices[0]?.delta?.annotations);
    // One chunk, as OpenAI's search models send them: the openai SDK keeps only the last one it sees.
    expect(annotated.map((c) => c.choices[0].delta)).toEqual([
      {
        annotations: [
          { type: "url_citation", url_citation: { start_index: 14, end_index: 26, url: "https://bun.sh", title: "Bun" } },
          { type: "url_citation", url_citation: { start_index: 26, end_index: 40, url: "https://nodejs.org", title: "Node" } },
          { type: "url_citation", url_citation: { start_index: 26, end_index: 40, url: "https://en.wikipedia.org/wiki/Node.js", title: "Node.js" } },
          // UTF-16 indexes, as the non-stream message counts them: the rocket is two code units.
          { type: "url_citation", url_citation: { start_index: 58, end_index: 67, url: "https://bun.sh/blog", title: "Blog" } },
        ],
      },
    ]);
    expect(content.slice(14, 26)).toBe("Bun is fast.");
    expect(content.slice(26, 40)).toBe(" Node is older");
    expect(content.slice(58, 67)).toBe(" 🚀 Done.");
    const at = chunks.indexOf(annotated[0]);
    expect(at).toBeGreaterThan(chunks.findLastIndex((c) => c.choices[0]?.delta?.content));
    expect(at).toBe(chunks.findIndex((c) => c.choices[0]?.finish_reason) - 1);
    expect(annotated[0].choices[0].finish_reason).toBeNull();
  });

  test("the text is not held back: each text_delta gives its content chunk at once, citations_delta nothing", () => {
    const perEvent = chat.streamed();
    streamOf(answer).forEach((event, i) => {
      const data = JSON.parse(event.data);
      const contents = perEvent[i]!.filter((c) => c !== "[DONE]" && c.choices[0]?.delta?.content).map((c) => c.choices[0].delta.content);
      if (data.delta?.type === "text_delta") expect(contents).toEqual([data.delta.text]);
      // A citation's span is its whole block: nothing to send until the block's length is known.
      if (data.delta?.type === "citations_delta") expect(perEvent[i]).toEqual([]);
    });
  });

  test("Anthropic's other citation kinds (page, char, content block, search result locations) never reach the stream", () => {
    const chunks = chat.streamed().flat().filter((c) => c !== "[DONE]");
    expect(JSON.stringify(chunks)).not.toContain("page_location");
    expect(JSON.stringify(chunks)).not.toContain("search_result_location");
    expect(JSON.stringify(chunks)).not.toContain("kb://1");
  });

  test("citations a text block opens with (content_block_start's `citations`) count like citations_delta ones", () => {
    const translator = findTranslator("openai-chat", "anthropic")!;
    const ctx = makeContext("openai-chat", "anthropic");
    translator.buildUpstreamRequest({ model: "m", messages: [{ role: "user", content: "q" }] }, ctx);
    const stream = translator.createStreamTranslator(ctx);
    const upstream = [
      sse("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], usage: { input_tokens: 1, output_tokens: 1 } } }),
      sse("content_block_start", { index: 0, content_block: { type: "text", text: "Cited.", citations: [web("https://bun.sh", "Bun", "e1")] } }),
      sse("content_block_stop", { index: 0 }),
      sse("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } }),
      sse("message_stop", {}),
    ];
    const chunks = [...upstream.flatMap((event) => stream.push(event)), ...stream.end()].filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
    expect(chunks.flatMap((c) => c.choices[0]?.delta?.annotations ?? [])).toEqual([{ type: "url_citation", url_citation: { start_index: 0, end_index: 6, url: "https://bun.sh", title: "Bun" } }]);
  });

  test("stream and non-stream give the same annotations, and so does a collected stream", () => {
    const whole = chat.whole().choices[0].message;
    const chunks = chat.streamed().flat().filter((c) => c !== "[DONE]");
    const streamed = chunks.flatMap((c) => c.choices[0]?.delta?.annotations ?? []);
    expect(whole.annotations.length).toBe(4);
    expect(streamed).toEqual(whole.annotations);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe(whole.content);
    expect(chat.collected().choices[0].message.annotations).toEqual(whole.annotations);
  });
});

describe("C06 Responses stream", () => {
  const responses = translators("openai-responses");
  /** Every output_text part of a response's output, in order. */
  const textParts = (output: any[]) => output.filter((item) => item.type === "message").flatMap((item) => item.content).filter((part: any) => part.type === "output_text");

  test("annotation.added events, numbered per part, just before output_text.done; sequence numbers stay in order", () => {
    const events = responses.streamed().flat();
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const added = events.filter((e) => e.type === "response.output_text.annotation.added");
    expect(added.map(({ annotation_index, annotation, content_index }) => ({ annotation_index, content_index, url: annotation.url, start: annotation.start_index, end: annotation.end_index }))).toEqual([
      { annotation_index: 0, content_index: 0, url: "https://bun.sh", start: 0, end: 12 },
      { annotation_index: 0, content_index: 0, url: "https://nodejs.org", start: 0, end: 14 },
      { annotation_index: 1, content_index: 0, url: "https://en.wikipedia.org/wiki/Node.js", start: 0, end: 14 },
      { annotation_index: 0, content_index: 0, url: "https://bun.sh/blog", start: 0, end: 9 },
    ]);
    expect(added[0]!.annotation).toEqual({ type: "url_citation", start_index: 0, end_index: 12, url: "https://bun.sh", title: "Bun" });
    for (const event of added) {
      // Each belongs to an announced message item, at its output index, before that part's output_text.done.
      const announced = events.find((e) => e.type === "response.output_item.added" && e.item.id === event.item_id)!;
      expect(announced.output_index).toBe(event.output_index);
      const done = events.find((e) => e.type === "response.output_text.done" && e.item_id === event.item_id)!;
      expect(event.sequence_number).toBeLessThan(done.sequence_number);
      const lastDelta = events.findLast((e) => e.type === "response.output_text.delta" && e.item_id === event.item_id)!;
      expect(event.sequence_number).toBeGreaterThan(lastDelta.sequence_number);
    }
  });

  test("content_part.done, output_item.done and response.completed carry the annotations the events announced", () => {
    const events = responses.streamed().flat();
    const added = events.filter((e) => e.type === "response.output_text.annotation.added");
    expect(added.length).toBe(4);
    const byItem = (id: string) => added.filter((e) => e.item_id === id).map((e) => e.annotation);
    for (const done of events.filter((e) => e.type === "response.content_part.done")) expect(done.part.annotations).toEqual(byItem(done.item_id));
    for (const done of events.filter((e) => e.type === "response.output_item.done" && e.item.type === "message")) expect(done.item.content[0].annotations).toEqual(byItem(done.item.id));
    const completed = events.at(-1)!;
    expect(completed.type).toBe("response.completed");
    for (const item of completed.response.output.filter((i: any) => i.type === "message")) expect(item.content[0].annotations).toEqual(byItem(item.id));
    expect(JSON.stringify(events)).not.toContain("page_location");
  });

  test("stream and non-stream give the same annotations on the same texts, and so does a collected stream", () => {
    const shape = (parts: any[]) => parts.map((part) => ({ text: part.text, annotations: part.annotations }));
    const whole = shape(textParts(responses.whole().output));
    expect(whole.flatMap((part) => part.annotations).length).toBe(4);
    const streamed = shape(textParts(responses.streamed().flat().at(-1)!.response.output));
    expect(streamed).toEqual(whole);
    expect(shape(textParts(responses.collected().output))).toEqual(whole);
  });
});
