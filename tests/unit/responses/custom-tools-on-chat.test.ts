import { describe, expect, test } from "bun:test";
import { openaiChatCodec } from "../../../src/protocols/openai-chat/codec";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { composeTranslator } from "../../../src/translate/compose";
import { parseEvents, readFixture, testCodec, testContext } from "./support";

/**
 * S10 on Chat upstreams: only OpenAI itself takes freeform `custom` tools in Chat Completions.
 * For OpenAI-compatible servers (DeepSeek, vLLM, Groq...) Codex's apply_patch must be wrapped as
 * a function taking `{input}`, its replayed calls wrapped the same way, and the wrapped call
 * turned back into a `custom_tool_call` for Codex (which rejects apply_patch as a function_call).
 */
const patch = "*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch\n";

function chatChunk(delta: Record<string, unknown>, finish: string | null = null): SseEvent {
  return { data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "deepseek-chat", choices: [{ index: 0, delta, finish_reason: finish }] }) };
}

async function translatorFor(providerKind: "openai" | "openai-compatible") {
  const responses = testCodec();
  const translator = composeTranslator(responses, openaiChatCodec);
  const clientBody = await readFixture("codex-tool-loop-request.json");
  const ctx = testContext({ upstreamProtocol: "openai-chat", upstreamModel: "deepseek-chat", providerName: "chat-upstream", providerKind }, responses.decodeRequest(clientBody));
  return { translator, clientBody, ctx, upstreamBody: translator.buildUpstreamRequest(clientBody, ctx) };
}

describe("R→O S10 custom (freeform) tools on Chat upstreams", () => {
  test("an OpenAI-compatible upstream gets apply_patch as a function {input} and the replayed call wrapped", async () => {
    const { upstreamBody } = await translatorFor("openai-compatible");
    const tools = upstreamBody.tools as Array<Record<string, any>>;
    expect(tools.every((tool) => tool.type === "function")).toBe(true);
    const applyPatch = tools.find((tool) => tool.function.name === "apply_patch")!;
    expect(applyPatch.function.parameters).toEqual({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
    // The grammar travels in the description, so the model still knows the patch format.
    expect(applyPatch.function.description).toContain("Input format:");
    expect(applyPatch.function.description).toContain("grammar");

    const messages = upstreamBody.messages as Array<Record<string, any>>;
    const call = messages.flatMap((message) => message.tool_calls ?? []).find((c: Record<string, any>) => c.id === "call_patch");
    expect(call).toEqual({ id: "call_patch", type: "function", function: { name: "apply_patch", arguments: JSON.stringify({ input: "*** Begin Patch\n*** Add File: README.md\n+hi\n*** End Patch\n" }) } });
    const result = messages.find((message) => message.role === "tool" && message.tool_call_id === "call_patch");
    expect(result?.content).toContain("Success.");
  });

  test("OpenAI itself keeps native custom tools and custom tool_calls", async () => {
    const { upstreamBody } = await translatorFor("openai");
    const tools = upstreamBody.tools as Array<Record<string, any>>;
    expect(tools.find((tool) => tool.type === "custom")?.custom).toMatchObject({ name: "apply_patch", format: { type: "grammar", syntax: "lark" } });
    const messages = upstreamBody.messages as Array<Record<string, any>>;
    const call = messages.flatMap((message) => message.tool_calls ?? []).find((c: Record<string, any>) => c.id === "call_patch");
    expect(call).toMatchObject({ type: "custom", custom: { name: "apply_patch" } });
  });

  test("without a provider kind, only a provider named openai counts as OpenAI", async () => {
    const responses = testCodec();
    const translator = composeTranslator(responses, openaiChatCodec);
    const clientBody = await readFixture("codex-tool-loop-request.json");
    const named = (providerName: string) =>
      (translator.buildUpstreamRequest(clientBody, testContext({ upstreamProtocol: "openai-chat", upstreamModel: "gpt-5.5", providerName }, responses.decodeRequest(clientBody))).tools as Array<Record<string, any>>).map((tool) => tool.type);
    expect(named("openai")).toContain("custom");
    expect(named("deepseek")).not.toContain("custom");
  });

  test("a streamed wrapped call (arguments split across chunks) reaches Codex as custom_tool_call events", async () => {
    const { translator, ctx } = await translatorFor("openai-compatible");
    const args = JSON.stringify({ input: patch });
    const upstream: SseEvent[] = [
      chatChunk({ role: "assistant", content: null }),
      chatChunk({ tool_calls: [{ index: 0, id: "call_p", type: "function", function: { name: "apply_patch", arguments: args.slice(0, 12) } }] }),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(12, 30) } }] }),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(30) } }] }),
      chatChunk({}, "tool_calls"),
      { data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "deepseek-chat", choices: [], usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 } }) },
      { data: "[DONE]" },
    ];
    const stream = translator.createStreamTranslator(ctx);
    const events = parseEvents([...upstream.flatMap((event) => stream.push(event)), ...stream.end()]);
    const types = events.map((event) => event.type);
    expect(types).not.toContain("response.function_call_arguments.delta");
    expect(types).toContain("response.custom_tool_call_input.done");
    const done = events.filter((event) => event.type === "response.output_item.done").map((event) => event.data.item as Record<string, unknown>);
    expect(done).toEqual([expect.objectContaining({ type: "custom_tool_call", call_id: "call_p", name: "apply_patch", input: patch, status: "completed" })]);
    expect(events.find((event) => event.type === "response.custom_tool_call_input.done")!.data.input).toBe(patch);
    const sequence = events.map((event) => event.data.sequence_number as number);
    expect(sequence).toEqual(sequence.map((_, index) => index));
    expect(events.at(-1)!.type).toBe("response.completed");
  });

  test("a non-streaming wrapped call comes back as a custom_tool_call item", async () => {
    const { translator, ctx } = await translatorFor("openai-compatible");
    const { body } = translator.translateResponse(
      {
        id: "chatcmpl-2",
        object: "chat.completion",
        model: "deepseek-chat",
        choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "call_q", type: "function", function: { name: "apply_patch", arguments: JSON.stringify({ input: patch }) } }] } }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
      ctx,
    );
    expect((body as { output: unknown[] }).output).toEqual([expect.objectContaining({ type: "custom_tool_call", call_id: "call_q", name: "apply_patch", input: patch })]);
  });
});
