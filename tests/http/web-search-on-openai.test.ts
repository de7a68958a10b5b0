import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, useMockedGateway } from "../support/gateway-harness";

/**
 * S09, CC03 on the built-in `openai` provider, which serves both Chat Completions and Responses:
 * Anthropic clients normally go to its Chat API, where Anthropic's server web search has no
 * counterpart and was removed, so Claude Code on GPT answered "Did 0 searches". A request with
 * that tool now goes to the same provider's Responses API (hosted `web_search`); everything else
 * still goes to Chat, and a provider declared with Chat alone keeps the tool removed. A Chat
 * client's `web_search_options`, which OpenAI's Chat API refuses on models other than its search
 * models, goes the same way.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl),
  // A route whose first provider is OpenAI and whose second serves Chat alone.
  TOKLIGENCE_ROUTES: "gpt-with-backup=>openai|chatty",
  TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "0",
}));

const webSearchTool = { type: "web_search_20250305", name: "web_search", max_uses: 8 };

/** Claude Code's WebSearch request: the server tool alone, forced, streamed. */
const messages = (body: Record<string, unknown>) =>
  fetch(`${running.gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({
      max_tokens: 1024,
      stream: true,
      messages: [{ role: "user", content: "Perform a web search for the query: bun 2 release date" }],
      tools: [webSearchTool],
      tool_choice: { type: "tool", name: "web_search" },
      ...body,
    }),
  });

const search = {
  type: "web_search_call",
  id: "ws_gpt",
  status: "completed",
  action: { type: "search", query: "bun 2 release date", sources: [{ type: "url", url: "https://bun.sh/blog" }] },
};
const text = "Bun 2 is out.";
const citation = { type: "url_citation", start_index: 0, end_index: 5, url: "https://bun.sh/blog", title: "Bun blog" };
const message = { type: "message", id: "msg_gpt", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [citation] }] };
const usage = { input_tokens: 120, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 140 };
const answer = { id: "resp_gpt", object: "response", status: "completed", model: "gpt-4.1", output: [search, message], usage };

const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
const searchEvents = [
  ev("response.created", { response: { id: "resp_gpt", model: "gpt-4.1", status: "in_progress" } }),
  ev("response.output_item.added", { output_index: 0, item: { type: "web_search_call", id: "ws_gpt", status: "in_progress" } }),
  ev("response.output_item.done", { output_index: 0, item: search }),
  ev("response.output_item.added", { output_index: 1, item: { ...message, status: "in_progress", content: [] } }),
  ev("response.output_text.delta", { output_index: 1, content_index: 0, delta: text }),
  ev("response.output_text.annotation.added", { output_index: 1, content_index: 0, annotation_index: 0, annotation: citation }),
  ev("response.output_item.done", { output_index: 1, item: message }),
  ev("response.completed", { response: answer }),
];

const anthropicCitation = { type: "web_search_result_location", url: "https://bun.sh/blog", title: "Bun blog", cited_text: "Bun 2", encrypted_index: "" };

describe("Anthropic server web search on the openai provider", () => {
  test("Claude Code's WebSearch (streamed, forced) goes to /v1/responses with the hosted web_search; the client gets the search blocks and citations", async () => {
    running.mock.enqueue({ events: searchEvents });
    const response = await messages({ model: "gpt-4.1" });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.model).toBe("gpt-4.1");
    expect(sent.body.tools).toEqual([{ type: "web_search" }]);
    expect(sent.body.tool_choice).toBe("required");
    expect(sent.body.include).toContain("web_search_call.action.sources");
    const events = (await readSse(response)).map((event) => event.data);
    const starts = events.filter((event) => event.type === "content_block_start").map((event) => event.content_block.type);
    expect(starts).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    const deltas = events.filter((event) => event.type === "content_block_delta").map((event) => event.delta);
    expect(deltas).toContainEqual({ type: "citations_delta", citation: anthropicCitation });
    expect(events.find((event) => event.type === "message_delta")).toMatchObject({ usage: { server_tool_use: { web_search_requests: 1 } } });
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "openai", upstreamProtocol: "openai-responses", modelServed: "gpt-4.1", status: 200, stream: true });
  });

  test("non-streamed, beside the client's own tools: Responses too, the search forced through allowed_tools", async () => {
    running.mock.enqueue({ json: answer });
    const lookup = { name: "lookup", description: "look up", input_schema: { type: "object", properties: {} } };
    const response = await messages({ model: "gpt-4.1", stream: false, tools: [lookup, webSearchTool] });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.tool_choice).toEqual({ type: "allowed_tools", mode: "required", tools: [{ type: "web_search" }] });
    const body = (await response.json()) as any;
    expect(body.content.map((block: { type: string }) => block.type)).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    expect(body.content[2].citations).toEqual([anthropicCitation]);
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "openai", upstreamProtocol: "openai-responses", status: 200, stream: false });
  });

  test("control: an ordinary Messages request on the same model still goes to /v1/chat/completions", async () => {
    const response = await messages({ model: "gpt-4.1", tools: undefined, tool_choice: undefined });
    expect(response.status).toBe(200);
    await response.text();
    expect(running.mock.requests.at(-1)!.path).toBe("/v1/chat/completions");
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "openai", upstreamProtocol: "openai-chat" });
  });

  test("a provider declared with Chat alone is not switched: the server tool is removed with its choice", async () => {
    const response = await messages({ model: "chat-model", stream: false });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.tools).toBeUndefined();
    expect(sent.body.tool_choice).toBeUndefined();
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "chatty", upstreamProtocol: "openai-chat" });
  });

  test("failover: OpenAI's Responses API fails, the route's Chat-only provider answers without the tool; the row names it", async () => {
    running.mock.enqueue({ status: 503, json: { error: { message: "unavailable" } } });
    const before = running.mock.requests.length;
    const response = await messages({ model: "gpt-with-backup", stream: false });
    expect(response.status).toBe(200);
    const paths = running.mock.requests.slice(before).map((request) => request.path);
    expect(paths).toEqual(["/v1/responses", "/v1/chat/completions"]);
    expect(running.mock.requests.at(-1)!.body.tools).toBeUndefined();
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "chatty", upstreamProtocol: "openai-chat", status: 200 });
  });

  test("count_tokens with the server tool is still the gateway's estimate (no upstream call)", async () => {
    const before = running.mock.requests.length;
    const response = await fetch(`${running.gw.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "search bun" }], tools: [webSearchTool] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect(running.mock.requests.length).toBe(before);
  });
});

describe("Chat web_search_options on the openai provider", () => {
  const chat = (body: Record<string, unknown>) =>
    fetch(`${running.gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "bun 2 release date?" }], web_search_options: { search_context_size: "low" }, ...body }),
    });

  test("on a model that is not one of OpenAI's search models: /v1/responses with the hosted web_search; citations come back as url_citation annotations", async () => {
    running.mock.enqueue({ json: answer });
    const response = await chat({ model: "gpt-4.1" });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.tools).toEqual([{ type: "web_search", search_context_size: "low" }]);
    const body = (await response.json()) as any;
    expect(body.choices[0].message.content).toBe(text);
    expect(body.choices[0].message.annotations).toEqual([{ type: "url_citation", url_citation: { url: "https://bun.sh/blog", title: "Bun blog", start_index: 0, end_index: 5 } }]);
    expect(running.gw.ledger.entries.at(-1)).toMatchObject({ provider: "openai", upstreamProtocol: "openai-responses", clientProtocol: "openai-chat" });
  });

  test("on OpenAI's search models, which take it on Chat: forwarded to /v1/chat/completions as sent", async () => {
    const response = await chat({ model: "gpt-4o-search-preview" });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.web_search_options).toEqual({ search_context_size: "low" });
  });

  test("control: a Chat request without it stays on /v1/chat/completions", async () => {
    const response = await chat({ model: "gpt-4.1", web_search_options: undefined });
    expect(response.status).toBe(200);
    expect(running.mock.requests.at(-1)!.path).toBe("/v1/chat/completions");
  });
});
