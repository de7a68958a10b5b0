import { describe, expect, test } from "bun:test";
import { anthropicCodec } from "../../../src/protocols/anthropic/codec";
import { openaiChatCodec } from "../../../src/protocols/openai-chat/codec";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { composeTranslator } from "../../../src/translate/compose";
import { parseEvents, readFixture, testCodec, testContext } from "./support";

function anthropicSse(type: string, payload: Record<string, unknown>): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

function responsesSse(type: string, payload: Record<string, unknown>): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

describe("pairs through composeTranslator", () => {
  test("R→A SR04 S10 K09 Codex on Claude: thinking + apply_patch tool_use stream becomes reasoning + custom_tool_call", async () => {
    const responses = testCodec();
    const translator = composeTranslator(responses, anthropicCodec);
    const clientBody = await readFixture("codex-tool-loop-request.json");
    const ctx = testContext({ upstreamProtocol: "anthropic" }, responses.decodeRequest(clientBody));
    const upstreamBody = translator.buildUpstreamRequest(clientBody, ctx);
    expect(upstreamBody.model).toBe("claude-sonnet-4-6");
    const stream = translator.createStreamTranslator(ctx);
    const patch = "*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch\n";
    const upstream: SseEvent[] = [
      anthropicSse("message_start", { message: { id: "msg_u", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [], usage: { input_tokens: 50, cache_read_input_tokens: 900, cache_creation_input_tokens: 0, output_tokens: 1 } } }),
      anthropicSse("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      anthropicSse("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Add b." } }),
      anthropicSse("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "SIG" } }),
      anthropicSse("content_block_stop", { index: 0 }),
      anthropicSse("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_9", name: "apply_patch", input: {} } }),
      anthropicSse("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: JSON.stringify({ input: patch }) } }),
      anthropicSse("content_block_stop", { index: 1 }),
      anthropicSse("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 30 } }),
      anthropicSse("message_stop", {}),
    ];
    const events = parseEvents([...upstream.flatMap((event) => stream.push(event)), ...stream.end()]);
    expect(events[0]!.type).toBe("response.created");
    const done = events.filter((event) => event.type === "response.output_item.done").map((event) => event.data.item as Record<string, unknown>);
    expect(done.map((item) => item.type)).toEqual(["reasoning", "custom_tool_call"]);
    expect(done[1]).toMatchObject({ call_id: "toolu_9", name: "apply_patch", input: patch });
    const completed = events.at(-1)!;
    expect(completed.type).toBe("response.completed");
    expect((completed.data.response as Record<string, unknown>).usage).toMatchObject({ input_tokens: 950, input_tokens_details: { cached_tokens: 900 }, output_tokens: 30 });

    // Next turn: Codex replays the reasoning item; Claude must get the signed thinking back (K06, K09).
    const replay = {
      model: "gpt-5.5",
      input: [{ role: "user", content: "go" }, done[0], done[1], { type: "custom_tool_call_output", call_id: "toolu_9", output: "Success." }],
      tools: clientBody.tools,
      reasoning: { effort: "medium", summary: "auto" },
    };
    const next = translator.buildUpstreamRequest(replay, testContext({ upstreamProtocol: "anthropic" }, responses.decodeRequest(replay)));
    const assistant = (next.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>)[1]!;
    expect(assistant.content[0]).toEqual({ type: "thinking", thinking: "Add b.", signature: "SIG" });
    expect(assistant.content[1]).toMatchObject({ type: "tool_use", id: "toolu_9", name: "apply_patch" });
  });

  test("R→A S10 a replayed custom_tool_call reaches Claude as tool_use input {input: raw}", () => {
    const responses = testCodec();
    const translator = composeTranslator(responses, anthropicCodec);
    const body = {
      model: "gpt-5.5",
      input: [{ role: "user", content: "go" }, { type: "custom_tool_call", call_id: "c", name: "apply_patch", input: "*** Begin Patch" }, { type: "custom_tool_call_output", call_id: "c", output: "ok" }],
      tools: [{ type: "custom", name: "apply_patch" }],
    };
    const upstream = translator.buildUpstreamRequest(body, testContext());
    const assistant = (upstream.messages as Array<{ content: Array<Record<string, unknown>> }>)[1]!;
    expect(assistant.content[0]!.input).toEqual({ input: "*** Begin Patch" });
  });

  test("R→O R06 S10 Codex on a Chat-only upstream: non-streaming tool call comes back as a Responses function_call", async () => {
    const responses = testCodec();
    const translator = composeTranslator(responses, openaiChatCodec);
    const clientBody = await readFixture("codex-tool-loop-request.json");
    const ctx = testContext({ upstreamProtocol: "openai-chat", upstreamModel: "deepseek-chat" }, responses.decodeRequest(clientBody));
    const upstreamBody = translator.buildUpstreamRequest(clientBody, ctx);
    const messages = upstreamBody.messages as Array<Record<string, unknown>>;
    expect(messages[0]!.role).toBe("system");
    expect(messages.filter((message) => message.role === "tool").map((message) => message.tool_call_id)).toEqual(["call_ls", "call_pwd", "call_patch", "call_spawn"]);
    const { body, usage } = translator.translateResponse(
      {
        id: "chatcmpl-1",
        object: "chat.completion",
        model: "deepseek-chat",
        choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "exec_command", arguments: '{"cmd":"cat a.txt"}' } }] } }],
        usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_tokens_details: { cached_tokens: 60 } },
      },
      ctx,
    );
    expect(usage).toMatchObject({ inputTokens: 100, cacheReadTokens: 60, outputTokens: 10 });
    expect(body).toMatchObject({
      object: "response",
      status: "completed",
      model: "gpt-5.5",
      output: [{ type: "function_call", call_id: "call_x", name: "exec_command", arguments: '{"cmd":"cat a.txt"}', status: "completed" }],
      usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 60 }, output_tokens: 10, total_tokens: 110 },
    });
  });

  test("A→R SA14 Claude Code on a Responses-only model: the Responses stream becomes a valid Anthropic stream", () => {
    const translator = composeTranslator(anthropicCodec, testCodec());
    const ctx = testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-5.5" });
    const upstreamBody = translator.buildUpstreamRequest(
      {
        model: "claude-sonnet-4-6",
        max_tokens: 32000,
        system: [{ type: "text", text: "You are Claude Code." }],
        messages: [{ role: "user", content: "list files" }],
        tools: [{ name: "Bash", description: "run", input_schema: { type: "object", properties: { command: { type: "string" } } } }],
        thinking: { type: "enabled", budget_tokens: 31999 },
        stream: true,
      },
      ctx,
    );
    expect(upstreamBody).toMatchObject({ model: "gpt-5.5", instructions: "You are Claude Code.", store: false, reasoning: { effort: "high", summary: "auto" } });
    expect(upstreamBody.tools).toEqual([{ type: "function", name: "Bash", description: "run", parameters: { type: "object", properties: { command: { type: "string" } } }, strict: false }]);

    const stream = translator.createStreamTranslator(ctx);
    const upstream: SseEvent[] = [
      responsesSse("response.created", { response: { id: "resp_u", model: "gpt-5.5", status: "in_progress" } }),
      responsesSse("response.output_item.added", { output_index: 0, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: "" } }),
      responsesSse("response.function_call_arguments.delta", { output_index: 0, delta: '{"command":"ls"}' }),
      responsesSse("response.output_item.done", { output_index: 0, item: { type: "function_call", call_id: "call_1", name: "Bash", arguments: '{"command":"ls"}' } }),
      responsesSse("response.completed", { response: { status: "completed", usage: { input_tokens: 200, input_tokens_details: { cached_tokens: 150 }, output_tokens: 12 } } }),
    ];
    const out = [...upstream.flatMap((event) => stream.push(event)), ...stream.end()];
    const types = out.map((event) => event.event);
    expect(types[0]).toBe("message_start");
    expect(types).toContain("content_block_start");
    expect(types.at(-1)).toBe("message_stop");
    const delta = out.find((event) => event.event === "message_delta")!;
    expect(JSON.parse(delta.data)).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { output_tokens: 12 } });
    expect(stream.completed()).toBe(true);
    expect(stream.usage()).toMatchObject({ inputTokens: 200, cacheReadTokens: 150, outputTokens: 12 });
  });

  test("A→R SA02 parallel function_call items streamed side by side reach the Anthropic client one block after the other, no fragment lost", () => {
    const translator = composeTranslator(anthropicCodec, testCodec());
    const ctx = testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-5.5" });
    const stream = translator.createStreamTranslator(ctx);
    const call = (n: number) => ({ type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: `f${n}`, arguments: "" });
    const upstream: SseEvent[] = [
      responsesSse("response.created", { response: { id: "resp_u", model: "gpt-5.5", status: "in_progress" } }),
      responsesSse("response.output_item.added", { output_index: 0, item: call(1) }),
      responsesSse("response.output_item.added", { output_index: 1, item: call(2) }),
      responsesSse("response.function_call_arguments.delta", { output_index: 0, delta: '{"a"' }),
      responsesSse("response.function_call_arguments.delta", { output_index: 1, delta: '{"b":2}' }),
      responsesSse("response.function_call_arguments.delta", { output_index: 0, delta: ":1}" }),
      responsesSse("response.output_item.done", { output_index: 0, item: { ...call(1), arguments: '{"a":1}' } }),
      responsesSse("response.output_item.done", { output_index: 1, item: { ...call(2), arguments: '{"b":2}' } }),
      responsesSse("response.completed", { response: { status: "completed", usage: { input_tokens: 20, output_tokens: 12 } } }),
    ];
    const out = [...upstream.flatMap((event) => stream.push(event)), ...stream.end()].map((event) => JSON.parse(event.data));
    const blocks = out.filter((e) => e.type.startsWith("content_block")).map((e) => `${e.type}:${e.index}${e.delta ? `:${e.delta.partial_json}` : ""}`);
    // Anthropic clients accept one open block at a time (Claude Code: "Content block not found").
    expect(blocks).toEqual([
      "content_block_start:0", 'content_block_delta:0:{"a"', "content_block_delta:0::1}", "content_block_stop:0",
      "content_block_start:1", 'content_block_delta:1:{"b":2}', "content_block_stop:1",
    ]);
  });

  test("A→R H06 a streamed function_call whose arguments are a JSON array reaches the Anthropic client as an object input, as it does unstreamed", () => {
    const translator = composeTranslator(anthropicCodec, testCodec());
    const ctx = testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-5.5" });
    const stream = translator.createStreamTranslator(ctx);
    const upstream: SseEvent[] = [
      responsesSse("response.created", { response: { id: "resp_u", model: "gpt-5.5", status: "in_progress" } }),
      responsesSse("response.output_item.added", { output_index: 0, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: "" } }),
      responsesSse("response.function_call_arguments.delta", { output_index: 0, delta: '["ls",' }),
      responsesSse("response.function_call_arguments.delta", { output_index: 0, delta: ' "-la"]' }),
      responsesSse("response.output_item.done", { output_index: 0, item: { type: "function_call", call_id: "call_1", name: "Bash", arguments: '["ls", "-la"]' } }),
      responsesSse("response.completed", { response: { status: "completed", usage: { input_tokens: 20, output_tokens: 5 } } }),
    ];
    const out = [...upstream.flatMap((event) => stream.push(event)), ...stream.end()].map((event) => JSON.parse(event.data) as Record<string, any>);
    const partial = out.filter((event) => event.delta?.type === "input_json_delta").map((event) => event.delta.partial_json).join("");
    expect(JSON.parse(partial)).toEqual({});
    const whole = translator.translateResponse(
      { id: "resp_u", status: "completed", output: [{ type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: '["ls", "-la"]' }] },
      testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-5.5" }),
    ).body as Record<string, any>;
    expect(whole.content[0]).toMatchObject({ type: "tool_use", input: {} });
    expect(ctx.warnings.map((warning) => warning.message)).toContain("upstream tool arguments were not a JSON object; repaired");
  });

  test("A→R K09 the upstream's encrypted reasoning reaches Claude Code in the thinking signature and goes back as a reasoning item on the next turn, streamed or not; never to Anthropic", () => {
    const translator = composeTranslator(anthropicCodec, testCodec());
    const context = () => testContext({ clientProtocol: "anthropic", upstreamProtocol: "openai-responses", clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-5.5" });
    const reasoning = { type: "reasoning", id: "rs_7", summary: [{ type: "summary_text", text: "Plan A" }, { type: "summary_text", text: "Then B" }], encrypted_content: "gAAAAB-blob==" };
    const call = { type: "function_call", id: "fc_1", call_id: "call_1", name: "Bash", arguments: '{"command":"ls"}' };
    const stream = translator.createStreamTranslator(context());
    const upstream: SseEvent[] = [
      responsesSse("response.created", { response: { id: "resp_u", model: "gpt-5.5", status: "in_progress" } }),
      responsesSse("response.output_item.added", { output_index: 0, item: { type: "reasoning", id: "rs_7", summary: [] } }),
      responsesSse("response.output_item.done", { output_index: 0, item: reasoning }),
      responsesSse("response.output_item.added", { output_index: 1, item: { ...call, arguments: "" } }),
      responsesSse("response.output_item.done", { output_index: 1, item: call }),
      responsesSse("response.completed", { response: { status: "completed", usage: { input_tokens: 20, output_tokens: 5 } } }),
    ];
    const out = [...upstream.flatMap((event) => stream.push(event)), ...stream.end()].map((event) => JSON.parse(event.data) as Record<string, any>);
    const streamedSignature = out.find((event) => event.delta?.type === "signature_delta")?.delta.signature;
    expect(streamedSignature).toContain("gAAAAB-blob==");
    const whole = translator.translateResponse({ id: "resp_u", status: "completed", output: [reasoning, call] }, context()).body as Record<string, any>;
    // Summaries are the visible thinking, as in the stream; the blob rides in the signature.
    expect(whole.content[0]).toEqual({ type: "thinking", thinking: "Plan A\n\nThen B", signature: streamedSignature });

    const nextTurn = {
      model: "claude-sonnet-4-6",
      max_tokens: 32000,
      thinking: { type: "enabled", budget_tokens: 31999 },
      messages: [
        { role: "user", content: "list files" },
        { role: "assistant", content: [whole.content[0], { type: "tool_use", id: "call_1", name: "Bash", input: { command: "ls" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: "a.txt" }] },
      ],
    };
    const replayed = translator.buildUpstreamRequest(nextTurn, context()).input as Array<Record<string, unknown>>;
    expect(replayed[1]).toEqual({ type: "reasoning", id: "rs_7", summary: [], encrypted_content: "gAAAAB-blob==" });
    expect(replayed[2]).toMatchObject({ type: "function_call", call_id: "call_1" });

    // K06: the same history sent on to Claude (a translated route) drops the block, whose
    // signature Anthropic would refuse, and keeps the tool call.
    const toClaude = composeTranslator(anthropicCodec, anthropicCodec).buildUpstreamRequest(nextTurn, testContext({ clientProtocol: "anthropic", upstreamProtocol: "anthropic" }));
    const assistant = (toClaude.messages as Array<Record<string, any>>)[1]!;
    expect(assistant.content.map((block: Record<string, unknown>) => block.type)).toEqual(["tool_use"]);
  });

  test("O→R J01 a Chat request with json_schema reaches a Responses upstream with the flat text.format", () => {
    const translator = composeTranslator(openaiChatCodec, testCodec());
    const ctx = testContext({ clientProtocol: "openai-chat", upstreamProtocol: "openai-responses", upstreamModel: "gpt-5.5" });
    const body = translator.buildUpstreamRequest(
      {
        model: "gpt-5.5",
        messages: [{ role: "system", content: "json only" }, { role: "user", content: "give me x" }],
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } },
      },
      ctx,
    );
    expect(body).toMatchObject({ instructions: "json only", text: { format: { type: "json_schema", name: "x", strict: true } } });
    expect(body.input).toEqual([{ type: "message", role: "user", content: [{ type: "input_text", text: "give me x" }] }]);
  });
});
