import { describe, expect, test } from "bun:test";
import { anthropicCodec } from "../../../src/protocols/anthropic/codec";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { composeTranslator } from "../../../src/translate/compose";
import { testCodec, testContext } from "./support";

/**
 * S09 the other way (A→R): Codex declares the hosted `web_search` tool, which Claude runs as its
 * server web search. OpenAI shows each search as a `web_search_call` output item (Codex prints
 * "Searched: <query>" from it); Claude's `server_tool_use` + `web_search_tool_result` blocks
 * must not vanish, or a Responses client never learns that a search ran.
 */
const call = { type: "server_tool_use", id: "srvtoolu_01", name: "web_search", input: { query: "oslo weather" } };
const result = { type: "web_search_tool_result", tool_use_id: "srvtoolu_01", content: [{ type: "web_search_result", title: "Yr", url: "https://yr.no/oslo", encrypted_content: "EC1", page_age: null }] };
const citation = { type: "web_search_result_location", cited_text: "Cold today", url: "https://yr.no/oslo", title: "Yr", encrypted_index: "EI" };
const usage = { input_tokens: 20, output_tokens: 5, server_tool_use: { web_search_requests: 1 } };

function setup(include?: string[]) {
  const translator = composeTranslator(testCodec(), anthropicCodec);
  const request = testCodec().decodeRequest({ model: "gpt-5.5", input: "weather?", tools: [{ type: "web_search" }], ...(include ? { include } : {}) });
  return { translator, ctx: testContext({}, request) };
}

const expectedItem = { type: "web_search_call", id: "ws_01", status: "completed", action: { type: "search", query: "oslo weather" } };

/** Claude's streamed answer: the search call (its query in two input_json_delta pieces), the result, the text. */
function streamedAnswer(): SseEvent[] {
  const ev = (type: string, payload: object): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });
  return [
    ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { ...call, input: {} } }),
    ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"query":' } }),
    ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"oslo weather"}' } }),
    ev("content_block_stop", { index: 0 }),
    ev("content_block_start", { index: 1, content_block: result }),
    ev("content_block_stop", { index: 1 }),
    ev("content_block_start", { index: 2, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 2, delta: { type: "text_delta", text: "It is cold." } }),
    ev("content_block_stop", { index: 2 }),
    ev("message_delta", { delta: { stop_reason: "end_turn" }, usage }),
    ev("message_stop", {}),
  ];
}

describe("Claude's server web search → Responses web_search_call items", () => {
  test("non-streamed: one completed item with the query before the cited message; sources when the client included them", () => {
    const body = { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [call, result, { type: "text", text: "It is cold.", citations: [citation] }], stop_reason: "end_turn", usage };
    const { translator, ctx } = setup();
    const output = (translator.translateResponse(body, ctx) as { body: Record<string, any> }).body.output;
    expect(output.map((item: any) => item.type)).toEqual(["web_search_call", "message"]);
    expect(output[0]).toEqual(expectedItem);
    expect(output[1].content[0].annotations).toEqual([{ type: "url_citation", start_index: 0, end_index: 11, url: "https://yr.no/oslo", title: "Yr" }]);
    const withSources = setup(["web_search_call.action.sources"]);
    const sourced = (withSources.translator.translateResponse(body, withSources.ctx) as { body: Record<string, any> }).body.output[0];
    expect(sourced.action.sources).toEqual([{ type: "url", url: "https://yr.no/oslo" }]);
  });

  test("a failed search is a failed item", () => {
    const failed = { ...result, content: { type: "web_search_tool_result_error", error_code: "max_uses_exceeded" } };
    const body = { id: "msg_2", type: "message", role: "assistant", model: "m", content: [call, failed, { type: "text", text: "I could not search." }], stop_reason: "end_turn", usage };
    const { translator, ctx } = setup();
    const output = (translator.translateResponse(body, ctx) as { body: Record<string, any> }).body.output;
    expect(output[0]).toEqual({ ...expectedItem, status: "failed" });
  });

  test("streamed: added, in_progress, searching, completed and done, in order, then the message; the terminal output lists the item", () => {
    const { translator, ctx } = setup();
    const stream = translator.createStreamTranslator(ctx);
    const events = [...streamedAnswer().flatMap((event) => stream.push(event)), ...stream.end()].map((event) => JSON.parse(event.data));
    const search = events.filter((event) => event.item?.type === "web_search_call" || String(event.type).startsWith("response.web_search_call"));
    expect(search.map((event) => event.type)).toEqual([
      "response.output_item.added",
      "response.web_search_call.in_progress",
      "response.web_search_call.searching",
      "response.web_search_call.completed",
      "response.output_item.done",
    ]);
    // Announced with its whole query (Codex prints it when the item is added).
    expect(search[0]).toMatchObject({ output_index: 0, item: { type: "web_search_call", id: "ws_01", status: "in_progress", action: { type: "search", query: "oslo weather" } } });
    expect(search.slice(1, 4).every((event) => event.item_id === "ws_01" && event.output_index === 0)).toBe(true);
    expect(search[4]).toMatchObject({ output_index: 0, item: expectedItem });
    const message = events.find((event) => event.type === "response.output_item.added" && event.item.type === "message");
    expect(message.output_index).toBe(1);
    const completed = events.at(-1);
    expect(completed.type).toBe("response.completed");
    expect(completed.response.output.map((item: any) => item.type)).toEqual(["web_search_call", "message"]);
    expect(completed.response.output[0]).toEqual(expectedItem);
    // Sequence numbers stay gapless with the extra events.
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
  });

  test("a streamed answer collected for a non-streaming client has the same item, query included", () => {
    const { translator, ctx } = setup();
    const { body } = translator.translateCollectedStream(streamedAnswer(), ctx) as { body: Record<string, any> };
    expect(body.output[0]).toEqual(expectedItem);
  });
});
