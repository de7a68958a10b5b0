import { describe, expect, test } from "bun:test";
import { useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * S09 from the Chat side, streamed: a Chat client's `web_search_options` on a Claude model makes
 * Claude search with its server tool, and the search's own blocks (`server_tool_use`,
 * `web_search_tool_result`) must not reach a Chat stream as tool calls the client would try to
 * run: only the answer's text, its url_citation annotations and a `stop` finish.
 */
const running = useMockedGateway(() => ({}));

const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });

describe("Chat web_search_options on a Claude model, streamed", () => {
  test("the search blocks are not tool calls; text, citations and finish_reason stop reach the client", async () => {
    running.mock.enqueue({
      events: [
        event("message_start", { message: { id: "msg_ws", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
        event("content_block_start", { index: 0, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} } }),
        event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"query":"bun news"}' } }),
        event("content_block_stop", { index: 0 }),
        event("content_block_start", { index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://bun.sh/blog", title: "Bun blog", encrypted_content: "x" }] } }),
        event("content_block_stop", { index: 1 }),
        event("content_block_start", { index: 2, content_block: { type: "text", text: "" } }),
        event("content_block_delta", { index: 2, delta: { type: "text_delta", text: "Bun 2 is out." } }),
        event("content_block_delta", { index: 2, delta: { type: "citations_delta", citation: { type: "web_search_result_location", url: "https://bun.sh/blog", title: "Bun blog", cited_text: "Bun 2", encrypted_index: "" } } }),
        event("content_block_stop", { index: 2 }),
        event("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 6, server_tool_use: { web_search_requests: 1 } } }),
        event("message_stop", {}),
      ],
    });
    const stream = await sdkClients(running.gw.url).openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      stream: true,
      messages: [{ role: "user", content: "What is new in Bun?" }],
      web_search_options: { search_context_size: "low" },
    });
    let text = "";
    let finish: string | null = null;
    const toolCalls: unknown[] = [];
    const annotations: unknown[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? "";
      toolCalls.push(...(choice.delta.tool_calls ?? []));
      annotations.push(...((choice.delta as { annotations?: unknown[] }).annotations ?? []));
      finish = choice.finish_reason ?? finish;
    }
    expect(running.mock.requests.at(-1)!.body.tools[0].type).toBe("web_search_20250305");
    expect(text).toBe("Bun 2 is out.");
    expect(toolCalls).toEqual([]);
    expect(finish).toBe("stop");
    expect(annotations).toEqual([{ type: "url_citation", url_citation: { start_index: 0, end_index: 13, url: "https://bun.sh/blog", title: "Bun blog" } }]);
  });
});
