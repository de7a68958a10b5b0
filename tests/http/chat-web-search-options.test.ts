import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * S09 from the Chat side: a Chat Completions client's `web_search_options` (OpenAI's search
 * models) searches on every upstream that can search, instead of being dropped: Anthropic's
 * server web search on a Claude model, the hosted `web_search` tool on a Responses upstream,
 * and the field itself on a Chat upstream.
 */
const running = useMockedGateway((mock) => ({ ...responsesOnlyProviderEnv(mock.openaiBaseUrl), ...chatOnlyProviderEnv(mock.openaiBaseUrl) }));

const webSearchOptions = {
  search_context_size: "high" as const,
  user_location: { type: "approximate" as const, approximate: { city: "Paris", country: "FR", timezone: "Europe/Paris" } },
};
const ask = (model: string, extra: Record<string, unknown> = {}) =>
  sdkClients(running.gw.url).openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: "What is new in Bun?" }],
    web_search_options: webSearchOptions,
    ...extra,
  });

describe("Chat web_search_options on other upstreams", () => {
  test("a Claude model: Anthropic's server web search with the user's location; its citations come back as url_citation", async () => {
    running.mock.enqueue({
      json: {
        id: "msg_ws",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [
          { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "bun news" } },
          { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://bun.sh/blog", title: "Bun blog", encrypted_content: "x" }] },
          { type: "text", text: "Bun 2 is out.", citations: [{ type: "web_search_result_location", url: "https://bun.sh/blog", title: "Bun blog", cited_text: "Bun 2", encrypted_index: "" }] },
        ],
        stop_reason: "end_turn",
        usage: { input_tokens: 10, output_tokens: 5, server_tool_use: { web_search_requests: 1 } },
      },
    });
    const completion = await ask("claude-sonnet-4-5");
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    // The gateway's own prompt-cache breakpoint may sit on the last tool (Q04); Anthropic takes it on server tools too.
    expect(sent.body.tools.map(({ cache_control, ...tool }: Record<string, unknown>) => tool)).toEqual([
      { type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", city: "Paris", country: "FR", timezone: "Europe/Paris" } },
    ]);
    expect(sent.body.web_search_options).toBeUndefined();
    expect(completion.choices[0]!.message.content).toBe("Bun 2 is out.");
    expect((completion.choices[0]!.message as any).annotations).toEqual([
      { type: "url_citation", url_citation: { start_index: 0, end_index: 13, url: "https://bun.sh/blog", title: "Bun blog" } },
    ]);
  });

  test("a Claude model with the client's own tools: the search joins them, the client's choice kept", async () => {
    const fn = { type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: {} } } };
    await ask("claude-sonnet-4-5", { tools: [fn], tool_choice: "auto", web_search_options: {} });
    const sent = running.mock.requests.at(-1)!;
    expect(sent.body.tools.map((tool: { name: string; type?: string }) => tool.type ?? tool.name)).toEqual(["lookup", "web_search_20250305"]);
    expect(sent.body.tool_choice).toEqual({ type: "auto" });
  });

  test("a Responses-only model: the hosted web_search tool with search_context_size and user_location, sources included", async () => {
    await ask("resp-model");
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.tools).toEqual([
      { type: "web_search", search_context_size: "high", user_location: { type: "approximate", city: "Paris", country: "FR", timezone: "Europe/Paris" } },
    ]);
    expect(sent.body.include).toContain("web_search_call.action.sources");
    expect(sent.body.web_search_options).toBeUndefined();
  });

  test("a Chat upstream gets the field itself", async () => {
    await ask("chat-model");
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.web_search_options).toEqual(webSearchOptions);
    expect(sent.body.tools).toBeUndefined();
  });
});
