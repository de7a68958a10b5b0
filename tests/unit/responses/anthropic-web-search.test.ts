import { describe, expect, test } from "bun:test";
import { anthropicCodec } from "../../../src/protocols/anthropic/codec";
import { openaiChatCodec } from "../../../src/protocols/openai-chat/codec";
import { decodeAnthropicUsage, encodeAnthropicUsage } from "../../../src/protocols/anthropic/usage";
import type { Usage } from "../../../src/canonical/types";
import { emptyUsage } from "../../../src/canonical/usage";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { composeTranslator } from "../../../src/translate/compose";
import { testCodec, testContext } from "./support";

/**
 * S09 option (b), CC03: Claude Code's WebSearch (Anthropic's server web search tool) on a
 * model served by a Responses upstream runs as the hosted `web_search` tool, and the searches
 * come back as Anthropic's server_tool_use + web_search_tool_result blocks with citations.
 */
function setup(upstreamModel = "gpt-5.5") {
  const translator = composeTranslator(anthropicCodec, testCodec());
  const notices: Array<{ message: string; details?: Record<string, unknown> }> = [];
  const ctx = testContext({
    clientProtocol: "anthropic",
    upstreamProtocol: "openai-responses",
    clientModel: "claude-sonnet-4-6",
    upstreamModel,
    notice: (message, details) => notices.push({ message, ...(details ? { details } : {}) }),
  });
  return { translator, ctx, notices };
}

/** The separate request Claude Code's WebSearch tool sends: the server tool only, forced. */
function webSearchRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 32000,
    system: [{ type: "text", text: "You are an assistant for performing a web search tool use" }],
    messages: [{ role: "user", content: "Perform a web search for the query: bun 2 release date" }],
    tools: [
      {
        type: "web_search_20250305",
        name: "web_search",
        max_uses: 8,
        allowed_domains: ["bun.sh", "github.com"],
        blocked_domains: ["example.net"],
        user_location: { type: "approximate", city: "London", region: "England", country: "GB", timezone: "Europe/London" },
      },
    ],
    tool_choice: { type: "tool", name: "web_search" },
    ...overrides,
  };
}

const sse = (type: string, payload: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });
const parse = (events: SseEvent[]) => events.map((event) => JSON.parse(event.data) as Record<string, any>);

const searchItem = {
  type: "web_search_call",
  id: "ws_abc",
  status: "completed",
  action: { type: "search", query: "bun 2 release date", sources: [{ type: "url", url: "https://bun.sh/blog" }, { type: "url", url: "https://github.com/oven-sh/bun" }] },
};
const answerText = "Bun 2 is out. See the blog.";
const citation = { type: "url_citation", start_index: 0, end_index: 13, url: "https://bun.sh/blog", title: "Bun blog" };
const usage = { input_tokens: 300, input_tokens_details: { cached_tokens: 0 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 340 };

const expectedCall = { type: "server_tool_use", id: "srvtoolu_abc", name: "web_search", input: { query: "bun 2 release date" } };
const expectedResult = {
  type: "web_search_tool_result",
  tool_use_id: "srvtoolu_abc",
  content: [
    { type: "web_search_result", url: "https://bun.sh/blog", title: "https://bun.sh/blog", encrypted_content: "", page_age: null },
    { type: "web_search_result", url: "https://github.com/oven-sh/bun", title: "https://github.com/oven-sh/bun", encrypted_content: "", page_age: null },
  ],
};
const expectedCitation = { type: "web_search_result_location", url: "https://bun.sh/blog", title: "Bun blog", cited_text: "Bun 2 is out.", encrypted_index: "" };

describe("S09 request: Anthropic server web search → Responses hosted web_search", () => {
  test("CC03 Claude Code's forced WebSearch: options carried, blocked_domains noticed, the choice forces the search, sources included", () => {
    const { translator, ctx, notices } = setup();
    const body = translator.buildUpstreamRequest(webSearchRequest(), ctx);
    expect(body.tools).toEqual([
      {
        type: "web_search",
        filters: { allowed_domains: ["bun.sh", "github.com"] },
        user_location: { type: "approximate", city: "London", region: "England", country: "GB", timezone: "Europe/London" },
      },
    ]);
    // Responses has no named choice for web_search: with the search as the only tool, `required` forces it.
    expect(body.tool_choice).toBe("required");
    expect(body.include).toEqual(["reasoning.encrypted_content", "web_search_call.action.sources"]);
    expect(notices).toEqual([{ message: "web search: blocked_domains dropped, the Responses web_search tool has no such filter", details: { blocked_domains: ["example.net"] } }]);
    expect(ctx.warnings).toEqual([]);
  });

  test("a newer tool version beside function tools: forced through allowed_tools; no options, no notice", () => {
    const { translator, ctx, notices } = setup();
    const body = translator.buildUpstreamRequest(
      webSearchRequest({
        tools: [{ name: "Read", input_schema: { type: "object", properties: {} } }, { type: "web_search_20260209", name: "web_search" }],
      }),
      ctx,
    );
    expect((body.tools as unknown[])[1]).toEqual({ type: "web_search" });
    expect(body.tool_choice).toEqual({ type: "allowed_tools", mode: "required", tools: [{ type: "web_search" }] });
    expect(notices).toEqual([]);
  });

  test("a choice forcing a function tool is unchanged; without a web search nothing extra is included", () => {
    const { translator, ctx } = setup();
    const body = translator.buildUpstreamRequest(
      webSearchRequest({ tools: [{ name: "Read", input_schema: { type: "object", properties: {} } }], tool_choice: { type: "tool", name: "Read" } }),
      ctx,
    );
    expect(body.tool_choice).toEqual({ type: "function", name: "Read" });
    expect(body.include).toEqual(["reasoning.encrypted_content"]);
  });

  test("history: server_tool_use and web_search_tool_result blocks are left out for the Responses upstream; the cited answer stays", () => {
    const { translator, ctx } = setup();
    const body = translator.buildUpstreamRequest(
      webSearchRequest({
        tools: [],
        tool_choice: undefined,
        messages: [
          { role: "user", content: "when is bun 2 out?" },
          {
            role: "assistant",
            content: [
              { ...expectedCall },
              { ...expectedResult, content: [{ type: "web_search_result", url: "https://bun.sh/blog", title: "Bun", encrypted_content: "EqMD…", page_age: null }] },
              { type: "text", text: answerText, citations: [expectedCitation] },
            ],
          },
          { role: "user", content: "thanks" },
        ],
      }),
      ctx,
    );
    expect(body.input).toEqual([
      { type: "message", role: "user", content: [{ type: "input_text", text: "when is bun 2 out?" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: answerText, annotations: [] }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "thanks" }] },
    ]);
    expect(ctx.warnings).toEqual([]);
  });
});

describe("S09 response: web_search_call → server_tool_use + web_search_tool_result, url_citation → citations", () => {
  test("non-streamed: blocks in order, citations with the cited span, searches counted in usage, end_turn", () => {
    const { translator, ctx } = setup();
    translator.buildUpstreamRequest(webSearchRequest(), ctx);
    const { body, usage: ledgerUsage } = translator.translateResponse(
      {
        id: "resp_1",
        status: "completed",
        model: "gpt-5.5",
        output: [
          searchItem,
          { type: "web_search_call", id: "ws_none", status: "completed", action: { type: "search", query: "bun 2" } },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: answerText, annotations: [citation] }] },
        ],
        usage,
      },
      ctx,
    ) as { body: Record<string, any>; usage: Usage };
    expect(body.content).toEqual([
      expectedCall,
      expectedResult,
      { type: "server_tool_use", id: "srvtoolu_none", name: "web_search", input: { query: "bun 2" } },
      // A search that listed no pages still gets its (empty) result block.
      { type: "web_search_tool_result", tool_use_id: "srvtoolu_none", content: [] },
      { type: "text", text: answerText, citations: [expectedCitation] },
    ]);
    expect(body.stop_reason).toBe("end_turn");
    expect(body.usage).toMatchObject({ input_tokens: 300, output_tokens: 40, server_tool_use: { web_search_requests: 2 } });
    expect(ledgerUsage.webSearchRequests).toBe(2);
  });

  test("non-streamed: a failed search is an error result; an answer without searches has no server_tool_use usage", () => {
    const { translator, ctx } = setup();
    const failed = translator.translateResponse(
      { id: "r", status: "completed", output: [{ type: "web_search_call", id: "ws_f", status: "failed", action: { type: "search", query: "x" } }], usage },
      ctx,
    ).body as Record<string, any>;
    expect(failed.content[1]).toEqual({ type: "web_search_tool_result", tool_use_id: "srvtoolu_f", content: { type: "web_search_tool_result_error", error_code: "unavailable" } });
    const plain = translator.translateResponse({ id: "r", status: "completed", output: [{ type: "message", content: [{ type: "output_text", text: "hi", annotations: [] }] }], usage }, ctx)
      .body as Record<string, any>;
    expect(plain.content).toEqual([{ type: "text", text: "hi" }]);
    expect(plain.usage.server_tool_use).toBeUndefined();
  });

  function upstreamStream(options: { announceAnnotations: boolean }): SseEvent[] {
    const message = { type: "message", id: "msg_1", role: "assistant", status: "completed", content: [{ type: "output_text", text: answerText, annotations: [citation] }] };
    return [
      sse("response.created", { response: { id: "resp_s", model: "gpt-5.5", status: "in_progress" } }),
      sse("response.output_item.added", { output_index: 0, item: { type: "web_search_call", id: "ws_abc", status: "in_progress" } }),
      sse("response.web_search_call.in_progress", { output_index: 0, item_id: "ws_abc" }),
      sse("response.web_search_call.searching", { output_index: 0, item_id: "ws_abc" }),
      sse("response.web_search_call.completed", { output_index: 0, item_id: "ws_abc" }),
      sse("response.output_item.done", { output_index: 0, item: searchItem }),
      sse("response.output_item.added", { output_index: 1, item: { type: "message", id: "msg_1", role: "assistant", status: "in_progress", content: [] } }),
      sse("response.content_part.added", { output_index: 1, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
      sse("response.output_text.delta", { output_index: 1, content_index: 0, delta: "Bun 2 is out." }),
      sse("response.output_text.delta", { output_index: 1, content_index: 0, delta: " See the blog." }),
      ...(options.announceAnnotations ? [sse("response.output_text.annotation.added", { output_index: 1, content_index: 0, annotation_index: 0, annotation: citation })] : []),
      sse("response.output_text.done", { output_index: 1, content_index: 0, text: answerText }),
      sse("response.output_item.done", { output_index: 1, item: message }),
      sse("response.completed", { response: { id: "resp_s", status: "completed", usage } }),
    ];
  }

  for (const announceAnnotations of [true, false]) {
    test(`streamed (${announceAnnotations ? "annotation.added events" : "annotations on the finished item only"}): call with its query as input_json_delta, result, text with citations_delta, usage`, () => {
      const { translator, ctx } = setup();
      const stream = translator.createStreamTranslator(ctx);
      const events = parse([...upstreamStream({ announceAnnotations }).flatMap((event) => stream.push(event)), ...stream.end()]);
      expect(events.map((event) => event.type)).toEqual([
        "message_start",
        "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop",
      ]);
      expect(events[1]).toEqual({ type: "content_block_start", index: 0, content_block: { ...expectedCall, input: {} } });
      expect(events[2]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"query":"bun 2 release date"}' } });
      expect(events[4]).toEqual({ type: "content_block_start", index: 1, content_block: expectedResult });
      expect(events[6]!.index).toBe(2);
      expect(events.slice(7, 9).map((event) => event.delta.text).join("")).toBe(answerText);
      expect(events[9]).toEqual({ type: "content_block_delta", index: 2, delta: { type: "citations_delta", citation: expectedCitation } });
      expect(events[11]).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 300, output_tokens: 40, server_tool_use: { web_search_requests: 1 } } });
      expect(stream.usage().webSearchRequests).toBe(1);
      expect(stream.completed()).toBe(true);
    });
  }

  test("a streamed upstream collected for a non-streaming client gives the same answer as a non-streamed one", () => {
    const { translator, ctx } = setup();
    const { body } = translator.translateCollectedStream(upstreamStream({ announceAnnotations: true }), ctx) as { body: Record<string, any> };
    expect(body.content).toEqual([expectedCall, expectedResult, { type: "text", text: answerText, citations: [expectedCitation] }]);
    expect(body.usage.server_tool_use).toEqual({ web_search_requests: 1 });
  });

  test("other clients on the same upstream are left as before: no server tool blocks, no searches counted", () => {
    const translator = composeTranslator(openaiChatCodec, testCodec());
    const ctx = testContext({ clientProtocol: "openai-chat", upstreamProtocol: "openai-responses" });
    const output = [searchItem, { type: "message", content: [{ type: "output_text", text: answerText, annotations: [citation] }] }];
    const { body, usage: ledgerUsage } = translator.translateResponse({ id: "r", status: "completed", output, usage }, ctx) as { body: Record<string, any>; usage: Usage };
    expect(body.choices[0].message.content).toBe(answerText);
    expect(JSON.stringify(body)).not.toContain("server_tool_use");
    expect(ledgerUsage.webSearchRequests).toBeUndefined();
  });
});

describe("S09 usage: Anthropic server_tool_use.web_search_requests", () => {
  test("decoded from an Anthropic answer and encoded back; absent when no search ran", () => {
    expect(decodeAnthropicUsage({ input_tokens: 1, output_tokens: 2, server_tool_use: { web_search_requests: 3 } }).webSearchRequests).toBe(3);
    expect(decodeAnthropicUsage({ input_tokens: 1, output_tokens: 2, server_tool_use: { web_search_requests: 0 } }).webSearchRequests).toBeUndefined();
    expect(encodeAnthropicUsage({ ...emptyUsage(), webSearchRequests: 3 }).server_tool_use).toEqual({ web_search_requests: 3 });
    expect(encodeAnthropicUsage(emptyUsage()).server_tool_use).toBeUndefined();
  });
});
