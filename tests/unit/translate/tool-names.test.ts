import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, parseSse } from "./support";

/** S02 and S03 on A→O (Claude Code on a Chat upstream), both directions, streaming and not. */
const translator = findTranslator("anthropic", "openai-chat")!;
const longMcpName = `mcp__workspace-filesystem-server__read_multiple_files_with_line_numbers_and_metadata`;
const dottedName = "mcp__docs.search__query";
const schema = { type: "object", properties: { q: { type: "string" } } };

function anthropicRequest() {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 256,
    tools: [
      { name: longMcpName, description: "long", input_schema: schema },
      { name: dottedName, description: "dotted", input_schema: schema },
      { name: "Bash", description: "shell", input_schema: schema },
      { name: "Read", description: "read", input_schema: schema },
    ],
    tool_choice: { type: "tool", name: dottedName },
    messages: [
      { role: "user", content: "search the docs" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: dottedName, input: { q: "x" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "found" }] },
    ],
  };
}

/** Build the upstream request in a fresh context; return both (the context carries the name map). */
function translateRequest(body: Record<string, unknown> = anthropicRequest()) {
  const ctx = makeContext("anthropic", "openai-chat", { clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-4.1" });
  const upstream = translator.buildUpstreamRequest(body, ctx) as Record<string, any>;
  return { ctx, upstream, names: (upstream.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name) };
}

const chatAnswer = (name: string) => ({
  id: "chatcmpl-1",
  model: "gpt-4.1",
  choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: "{}" } }] } }],
  usage: { prompt_tokens: 10, completion_tokens: 2 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
  data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", choices: [{ index: 0, delta, finish_reason: finish }] }),
});

describe("tool names the upstream would refuse", () => {
  test("S02: are rewritten to valid, distinct names everywhere they appear upstream", () => {
    const { upstream, names } = translateRequest();
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(4);
    expect(names[2]).toBe("Bash");
    expect(names[3]).toBe("Read");
    expect(names[1]).toBe("mcp__docs_search__query");
    expect(names[0]!.length).toBe(64);
    expect(names[0]!.startsWith("mcp__workspace-filesystem-server__")).toBe(true);
    // The forced choice and the history's call use the same rewritten name as the declaration.
    expect(upstream.tool_choice).toEqual({ type: "function", function: { name: names[1] } });
    const call = (upstream.messages as Array<Record<string, any>>).find((message) => message.tool_calls)!;
    expect(call.tool_calls[0].function.name).toBe(names[1]);
  });

  test("S02: are rewritten the same way on every request (a conversation keeps its names)", () => {
    expect(translateRequest().names).toEqual(translateRequest().names);
  });

  test("S02: a non-streamed call comes back under the client's own name", () => {
    const { ctx, names } = translateRequest();
    const { body } = translator.translateResponse(chatAnswer(names[0]!), ctx) as { body: Record<string, any> };
    expect(body.content).toEqual([{ type: "tool_use", id: "call_1", name: longMcpName, input: {} }]);
  });

  test("S02: a streamed call comes back under the client's own name", () => {
    const { ctx, names } = translateRequest();
    const stream = translator.createStreamTranslator(ctx);
    const out = [
      chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: names[1], arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":"x"}' } }] }),
      chunk({}, "tool_calls"),
      { data: "[DONE]" },
    ].flatMap((event) => stream.push(event));
    out.push(...stream.end());
    const start = parseSse(out).find((event) => event.event === "content_block_start")!.data as Record<string, any>;
    expect(start.content_block).toMatchObject({ type: "tool_use", name: dottedName });
  });

  test("S02: valid names go upstream untouched", () => {
    const body = { ...anthropicRequest(), tools: [{ name: "Bash", input_schema: schema }], tool_choice: undefined, messages: [{ role: "user", content: "hi" }] };
    expect(translateRequest(body).names).toEqual(["Bash"]);
  });
});

describe("near-miss tool names in answers", () => {
  test.each([
    ["bash", "Bash"],
    ["functions.Read", "Read"],
    ["functions.read", "Read"],
  ])("S03: %s is repaired to the declared %s", (returned, declared) => {
    const { ctx } = translateRequest();
    const { body } = translator.translateResponse(chatAnswer(returned), ctx) as { body: Record<string, any> };
    expect(body.content[0].name).toBe(declared);
  });

  test("S03: a name that matches nothing is passed on as the model gave it", () => {
    const { ctx } = translateRequest();
    const { body } = translator.translateResponse(chatAnswer("Write"), ctx) as { body: Record<string, any> };
    expect(body.content[0].name).toBe("Write");
  });
});

/** S02 with S11: Codex's namespaced MCP tools, flattened for an Anthropic upstream (R→A). */
describe("namespaced tools whose flat name the upstream would refuse", () => {
  const responsesToAnthropic = findTranslator("openai-responses", "anthropic")!;
  const namespace = "mcp__workspace-filesystem-server";
  const child = "read_multiple_files_with_line_numbers";
  const flatName = `${namespace}__${child}`; // 72 characters
  const codexRequest = () => ({
    model: "gpt-5-codex",
    tools: [
      { type: "namespace", name: namespace, description: "filesystem", tools: [{ type: "function", name: child, description: "read", parameters: schema }] },
      { type: "function", name: "shell", parameters: schema },
    ],
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "read them" }] },
      { type: "function_call", call_id: "call_1", name: child, namespace, arguments: '{"q":"a"}' },
      { type: "function_call_output", call_id: "call_1", output: "contents" },
    ],
  });
  function translate() {
    const ctx = makeContext("openai-responses", "anthropic", { clientModel: "gpt-5-codex", upstreamModel: "claude-sonnet-4-5" });
    const upstream = responsesToAnthropic.buildUpstreamRequest(codexRequest(), ctx) as Record<string, any>;
    return { ctx, upstream, names: (upstream.tools as Array<{ name: string }>).map((tool) => tool.name) };
  }
  const anthropicAnswer = (name: string) => ({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "tool_use", id: "toolu_2", name, input: { q: "b" } }],
    stop_reason: "tool_use",
    usage: { input_tokens: 10, output_tokens: 2 },
  });

  test("the flattened name goes upstream valid, and the history's call uses the same name", () => {
    expect(flatName.length).toBeGreaterThan(64);
    const { upstream, names } = translate();
    expect(names[0]).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(names[0]!.startsWith(`${namespace}__`)).toBe(true);
    expect(names[1]).toBe("shell");
    const call = (upstream.messages as Array<Record<string, any>>).flatMap((message) => (Array.isArray(message.content) ? message.content : [])).find((block) => block.type === "tool_use");
    expect(call.name).toBe(names[0]);
  });

  test("a non-streamed call comes back as the client's namespace and child name", () => {
    const { ctx, names } = translate();
    const { body } = responsesToAnthropic.translateResponse(anthropicAnswer(names[0]!), ctx) as { body: Record<string, any> };
    const item = (body.output as Array<Record<string, any>>).find((entry) => entry.type === "function_call")!;
    expect(item).toMatchObject({ name: child, namespace, arguments: '{"q":"b"}' });
  });

  test("a streamed call comes back as the client's namespace and child name", () => {
    const { ctx, names } = translate();
    const stream = responsesToAnthropic.createStreamTranslator(ctx);
    const event = (type: string, data: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...data }) });
    const out = [
      event("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 10, output_tokens: 0 } } }),
      event("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_2", name: names[0], input: {} } }),
      event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"q":"b"}' } }),
      event("content_block_stop", { index: 0 }),
      event("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 2 } }),
      event("message_stop", {}),
    ].flatMap((e) => stream.push(e));
    out.push(...stream.end());
    const done = parseSse(out).find((e) => e.event === "response.output_item.done")!.data as Record<string, any>;
    expect(done.item).toMatchObject({ type: "function_call", name: child, namespace, arguments: '{"q":"b"}' });
  });
});
