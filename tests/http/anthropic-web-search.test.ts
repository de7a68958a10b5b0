import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";

/**
 * S09 option (b), CC03 through the gateway: Claude Code's WebSearch request (Anthropic's server
 * web search tool, forced) on a model a Responses upstream serves runs the upstream's hosted
 * web search, and the client gets server_tool_use + web_search_tool_result blocks, citations and
 * the search count in usage. A Chat Completions upstream keeps the tool removed, with its choice.
 */
const running = useMockedGateway((mock) => ({ ...responsesOnlyProviderEnv(mock.openaiBaseUrl), ...chatOnlyProviderEnv(mock.openaiBaseUrl) }));

const messages = (body: Record<string, unknown>) =>
  fetch(`${running.gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      max_tokens: 1024,
      messages: [{ role: "user", content: "Perform a web search for the query: bun 2 release date" }],
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8, allowed_domains: ["bun.sh"] }],
      tool_choice: { type: "tool", name: "web_search" },
      ...body,
    }),
  });

const search = {
  type: "web_search_call",
  id: "ws_http",
  status: "completed",
  action: { type: "search", query: "bun 2 release date", sources: [{ type: "url", url: "https://bun.sh/blog" }] },
};
const text = "Bun 2 is out.";
const citation = { type: "url_citation", start_index: 0, end_index: 5, url: "https://bun.sh/blog", title: "Bun blog" };
const usage = { input_tokens: 120, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 140 };
const answer = {
  id: "resp_http",
  object: "response",
  status: "completed",
  model: "resp-model",
  output: [search, { type: "message", id: "msg_http", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [citation] }] }],
  usage,
};

const call = { type: "server_tool_use", id: "srvtoolu_http", name: "web_search", input: { query: "bun 2 release date" } };
const result = {
  type: "web_search_tool_result",
  tool_use_id: "srvtoolu_http",
  content: [{ type: "web_search_result", url: "https://bun.sh/blog", title: "https://bun.sh/blog", encrypted_content: "", page_age: null }],
};
const anthropicCitation = { type: "web_search_result_location", url: "https://bun.sh/blog", title: "Bun blog", cited_text: "Bun 2", encrypted_index: "" };

describe("CC03 Claude Code WebSearch on a Responses upstream", () => {
  test("non-streamed: the hosted search is forced upstream; the client gets the search blocks, citations and usage", async () => {
    running.mock.enqueue({ json: answer });
    const response = await messages({ model: "resp-model" });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.tools).toEqual([{ type: "web_search", filters: { allowed_domains: ["bun.sh"] } }]);
    expect(sent.body.tool_choice).toBe("required");
    expect(sent.body.include).toContain("web_search_call.action.sources");
    const body = (await response.json()) as any;
    expect(body.content).toEqual([call, result, { type: "text", text, citations: [anthropicCitation] }]);
    expect(body.stop_reason).toBe("end_turn");
    expect(body.usage).toMatchObject({ input_tokens: 120, output_tokens: 20, server_tool_use: { web_search_requests: 1 } });
  });

  test("streamed: server_tool_use with its query, web_search_tool_result, text with citations_delta, usage in message_delta", async () => {
    const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
    running.mock.enqueue({
      events: [
        ev("response.created", { response: { id: "resp_http", model: "resp-model", status: "in_progress" } }),
        ev("response.output_item.added", { output_index: 0, item: { type: "web_search_call", id: "ws_http", status: "in_progress" } }),
        ev("response.web_search_call.searching", { output_index: 0, item_id: "ws_http" }),
        ev("response.output_item.done", { output_index: 0, item: search }),
        ev("response.output_item.added", { output_index: 1, item: { type: "message", id: "msg_http", role: "assistant", status: "in_progress", content: [] } }),
        ev("response.output_text.delta", { output_index: 1, content_index: 0, delta: text }),
        ev("response.output_text.annotation.added", { output_index: 1, content_index: 0, annotation_index: 0, annotation: citation }),
        ev("response.output_item.done", { output_index: 1, item: answer.output[1] }),
        ev("response.completed", { response: { ...answer } }),
      ],
    });
    const response = await messages({ model: "resp-model", stream: true });
    expect(response.status).toBe(200);
    const events = (await readSse(response)).map((event) => event.data);
    const starts = events.filter((event) => event.type === "content_block_start").map((event) => event.content_block);
    expect(starts).toEqual([{ ...call, input: {} }, result, { type: "text", text: "" }]);
    const deltas = events.filter((event) => event.type === "content_block_delta").map((event) => event.delta);
    expect(deltas).toEqual([
      { type: "input_json_delta", partial_json: '{"query":"bun 2 release date"}' },
      { type: "text_delta", text },
      { type: "citations_delta", citation: anthropicCitation },
    ]);
    const final = events.find((event) => event.type === "message_delta");
    expect(final).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { output_tokens: 20, server_tool_use: { web_search_requests: 1 } } });
    expect(events.at(-1)!.type).toBe("message_stop");
  });

  test("a Chat Completions upstream: the server tool is removed with the choice that forces it (unchanged)", async () => {
    const response = await messages({ model: "chat-model" });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.tools).toBeUndefined();
    expect(sent.body.tool_choice).toBeUndefined();
    const body = (await response.json()) as any;
    expect(body.content.map((block: { type: string }) => block.type)).toEqual(["text"]);
    expect(body.usage.server_tool_use).toBeUndefined();
  });
});
