import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, normalizeIds, parseSse } from "./support";

/** A→O response side: Chat upstream replies and streams → Anthropic client. */
const translator = findTranslator("anthropic", "openai-chat")!;
const ctx = () => makeContext("anthropic", "openai-chat", { clientModel: "claude-sonnet-4-6", upstreamModel: "gpt-4.1" });

function respond(body: unknown) {
  return translator.translateResponse(body, ctx()) as unknown as { body: Record<string, any>; usage: Record<string, number> };
}

const chunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}): SseEvent => ({
  data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", choices: choice ? [{ index: 0, finish_reason: null, ...choice }] : [], ...extra }),
});

function stream(events: SseEvent[], end = true) {
  const s = translator.createStreamTranslator(ctx());
  const out = events.flatMap((e) => s.push(e));
  if (end) out.push(...s.end());
  // As stream-to-client.ts does: an answer the upstream ended without usage closes with the
  // ledger's figures (CC05); here, the (empty) usage seen.
  if (s.heldForUsage()) out.push(...s.closeCut(s.usage()));
  return { events: parseSse(out), translator: s };
}

describe("A→O non-streaming responses", () => {
  test("N07 N02 H02 H07 K04 N04 N06: split choices merged, stop+tool_calls → tool_use, empty id replaced, object args, cached usage split", () => {
    const { body, usage } = respond({
      id: "chatcmpl-9", model: "gpt-4.1-2025",
      choices: [
        { index: 0, message: { role: "assistant", content: "Looking.", reasoning_content: "think" }, finish_reason: "stop" },
        { index: 1, message: { role: "assistant", content: null, tool_calls: [{ id: "", type: "function", function: { name: "Read", arguments: { path: "a" } } }] }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 60 } },
    });
    expect(normalizeIds(body)).toEqual({
      id: "msg_<generated>", type: "message", role: "assistant", model: "claude-sonnet-4-6",
      content: [
        { type: "thinking", thinking: "think", signature: "" },
        { type: "text", text: "Looking." },
        { type: "tool_use", id: "call_<generated>", name: "Read", input: { path: "a" } },
      ],
      stop_reason: "tool_use", stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 20, cache_read_input_tokens: 60, cache_creation_input_tokens: 0 },
    });
    expect(usage.inputTokens).toBe(100);
  });

  test("N02 finish_reason table: length → max_tokens, content_filter → refusal, null → end_turn", () => {
    const stop = (finish: unknown) => respond({ choices: [{ message: { content: "x" }, finish_reason: finish }] }).body.stop_reason;
    expect([stop("length"), stop("content_filter"), stop(null), stop("stop")]).toEqual(["max_tokens", "refusal", "end_turn", "end_turn"]);
  });

  test("N08 empty upstream reply → content [] (never an empty text block)", () => {
    expect(respond({ choices: [{ message: { content: "" }, finish_reason: "stop" }] }).body.content).toEqual([]);
  });

  test("N09 refusal text becomes content and the turn ends normally (Anthropic's refusal stop is its classifiers', which Claude Code treats as the end of the session)", () => {
    const { body } = respond({ choices: [{ message: { content: null, refusal: "I can't help." }, finish_reason: "stop" }] });
    expect(body.content).toEqual([{ type: "text", text: "I can't help." }]);
    expect(body.stop_reason).toBe("end_turn");
  });

  test("H06 invalid JSON arguments are repaired or become {}; never a raw wrapper", () => {
    const { body } = respond({ choices: [{ message: { tool_calls: [
      { id: "c1", type: "function", function: { name: "f", arguments: '{"path": "a.ts", "n": [1, 2' } },
      { id: "c2", type: "function", function: { name: "g", arguments: "not json" } },
      { id: "c3", type: "function", function: { name: "h", arguments: "" } },
    ] }, finish_reason: "tool_calls" }] });
    expect(body.content.map((b: any) => b.input)).toEqual([{ path: "a.ts", n: [1, 2] }, {}, {}]);
  });

  test("K11 reasoning tokens stay inside output tokens (not added on top)", () => {
    const { usage } = respond({ choices: [{ message: { content: "x" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 30 } } });
    expect(usage).toEqual({ inputTokens: 5, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 30 });
  });
});

describe("A→O streams", () => {
  test("SA03 a response that starts with a tool call opens no text block; SA04 id and name in separate chunks", () => {
    const { events } = stream([
      chunk({ delta: { role: "assistant" } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: "call_x", type: "function" }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { name: "Bash", arguments: '{"c' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: 'md":"ls"}' } }] } }),
      chunk({ delta: {}, finish_reason: "tool_calls" }),
      { data: "[DONE]" },
    ]);
    const types = events.map((e: any) => e.event);
    expect(types).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect((events[1]!.data as any).content_block).toEqual({ type: "tool_use", id: "call_x", name: "Bash", input: {} });
    expect((events[2]!.data as any).delta).toEqual({ type: "input_json_delta", partial_json: '{"c' });
  });

  test("SA04 Q02 Ollama-style: missing index and repeated index 0 with new ids are separate calls", () => {
    const { events } = stream([
      chunk({ delta: { tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{}" } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: "b", function: { name: "g", arguments: "{}" } }] } }),
      chunk({ delta: {}, finish_reason: "tool_calls" }),
      { data: "[DONE]" },
    ]);
    const starts = events.filter((e: any) => e.event === "content_block_start").map((e: any) => [e.data.index, e.data.content_block.id, e.data.content_block.name]);
    expect(starts).toEqual([[0, "a", "f"], [1, "b", "g"]]);
  });

  test("SA06 one chunk carrying reasoning, content, a tool call and finish_reason is split in that order", () => {
    const { events } = stream([
      chunk({ delta: { reasoning_content: "r", content: "t", tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }, { usage: { prompt_tokens: 3, completion_tokens: 4 } }),
    ]);
    const summary = events.map((e: any) => e.data.content_block?.type ?? e.data.delta?.type ?? e.data.delta?.stop_reason ?? e.event);
    expect(summary).toEqual(["message_start", "thinking", "thinking_delta", "content_block_stop", "text", "text_delta", "content_block_stop", "tool_use", "input_json_delta", "content_block_stop", "tool_use", "message_stop"]);
    expect((events[events.length - 2]!.data as any).usage).toEqual({ input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  test("SA07 usage chunk after finish_reason lands in the one message_delta", () => {
    const { events } = stream([
      chunk({ delta: { content: "hi" } }),
      chunk({ delta: {}, finish_reason: "length" }),
      chunk(null, { usage: { prompt_tokens: 10, completion_tokens: 2 } }),
      { data: "[DONE]" },
    ]);
    const deltas = events.filter((e: any) => e.event === "message_delta");
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!.data).toEqual({ type: "message_delta", delta: { stop_reason: "max_tokens", stop_sequence: null }, usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
  });

  test("SA08 clean close without finish_reason or [DONE] still closes the message (end_turn) but is not complete", () => {
    const { events, translator: s } = stream([chunk({ delta: { content: "partial" } })]);
    expect(events.map((e: any) => e.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(s.completed()).toBe(false);
    expect(s.usageReported()).toBe(false);
  });

  test("SA08 a close that cuts a tool call's arguments short is an error event, not a tool_use the client would run", () => {
    const { events } = stream([
      chunk({ delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Write", arguments: '{"file_path":"a.txt","con' } }] } }),
    ]);
    expect(events.filter((e: any) => e.event === "message_delta" || e.event === "message_stop")).toHaveLength(0);
    expect(events.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "api_error", message: expect.stringContaining("middle of a tool call") } } });
  });

  test("SA08 a clean close after a complete tool call (no finish_reason) still ends as tool_use", () => {
    const { events } = stream([
      chunk({ delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Write", arguments: '{"file_path":"a.txt"}' } }] } }),
    ]);
    expect(events.find((e) => e.event === "message_delta")?.data).toMatchObject({ delta: { stop_reason: "tool_use" } });
    expect(events.at(-1)!.event).toBe("message_stop");
  });

  test("SA09 SA10 mid-stream upstream error chunk → one Anthropic error event, nothing after", () => {
    const { events } = stream([
      chunk({ delta: { content: "hi" } }),
      { data: JSON.stringify({ error: { message: "The server is overloaded", type: "server_error", code: "server_is_overloaded" } }) },
      chunk({ delta: { content: "late" } }),
      { data: "[DONE]" },
    ]);
    expect(events.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "The server is overloaded" } } });
    expect(events.filter((e: any) => e.event === "message_stop")).toHaveLength(0);
  });

  test("SA10 E02 a mid-stream error chunk keeps its kind: OpenAI's rate limit (429 `requests` / rate_limit_exceeded) is a rate_limit_error, a bad request invalid_request_error", () => {
    const cases = [
      [{ message: "Rate limit reached. Please try again in 2s.", type: "requests", code: "rate_limit_exceeded" }, "rate_limit_error"],
      [{ message: "Rate limit reached", type: "tokens", code: null }, "rate_limit_error"],
      [{ message: "maximum context length is 8192 tokens", type: "invalid_request_error", code: "context_length_exceeded" }, "invalid_request_error"],
      [{ message: "boom", type: "server_error", code: null }, "api_error"],
    ] as const;
    for (const [error, type] of cases) {
      const s = translator.createStreamTranslator(ctx());
      const out = [chunk({ delta: { content: "hi" } }), { data: JSON.stringify({ error }) }].flatMap((e) => s.push(e));
      expect({ error, sent: JSON.parse(out.at(-1)!.data).error.type }).toEqual({ error, sent: type });
    }
  });

  test("a mid-stream error that echoes a credential reaches the client without it", () => {
    const s = translator.createStreamTranslator(ctx());
    const error = { message: "Incorrect API key provided: sk-proj-abcdefghijklmnop1234. Authorization: Bearer sk-proj-abcdefghijklmnop1234", type: "invalid_request_error", code: "invalid_api_key" };
    const out = [chunk({ delta: { content: "hi" } }), { data: JSON.stringify({ error }) }].flatMap((e) => s.push(e));
    const sent = out.at(-1)!.data;
    expect(sent).not.toContain("abcdefghijklmnop1234");
    expect(JSON.parse(sent).error.message).toContain("[redacted]");
  });

  test("SA10 fail() after content → Anthropic error event, and nothing after it", () => {
    const s = translator.createStreamTranslator(ctx());
    s.push(chunk({ delta: { content: "hi" } }));
    const failed = parseSse(s.fail(new GatewayError("upstream_stream_broken", 502, "upstream connection reset")));
    expect(failed).toEqual([{ event: "error", data: { type: "error", error: { type: "api_error", message: "upstream connection reset" } } }]);
    expect(s.push({ data: "[DONE]" })).toEqual([]);
    expect(s.end()).toEqual([]);
  });

  test("K05 reasoning that arrives after text is dropped, not opened as a late thinking block", () => {
    const { events, translator: s } = stream([chunk({ delta: { content: "answer" } }), chunk({ delta: { reasoning_content: "late thought" } }), { data: "[DONE]" }]);
    expect(events.some((e: any) => e.data.content_block?.type === "thinking")).toBe(false);
    expect(s.completed()).toBe(true);
  });

  test("SA02 parallel calls whose argument fragments interleave by index keep every fragment, one block after the other", () => {
    // Some servers stream parallel calls side by side; the first call used to be closed when the
    // second started, and its later fragments were dropped (the client ran it with {}).
    const { events } = stream([
      chunk({ delta: { tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: "" } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "g", arguments: "" } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: '{"tz":' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: '"UTC"}' } }] } }),
      chunk({ delta: {}, finish_reason: "tool_calls" }),
      { data: "[DONE]" },
    ]);
    const blocks = events.filter((e: any) => e.event?.startsWith("content_block")).map((e: any) => [e.event, e.data.index, e.data.delta?.partial_json ?? e.data.content_block?.name]);
    expect(blocks).toEqual([
      ["content_block_start", 0, "f"],
      ["content_block_delta", 0, '{"ci'],
      ["content_block_delta", 0, 'ty":"Oslo"}'],
      ["content_block_stop", 0, undefined],
      ["content_block_start", 1, "g"],
      ["content_block_delta", 1, '{"tz":'],
      ["content_block_delta", 1, '"UTC"}'],
      ["content_block_stop", 1, undefined],
    ]);
    expect(events.at(-2)).toMatchObject({ event: "message_delta", data: { delta: { stop_reason: "tool_use" } } });
  });

  test("SA02 sequential parallel calls still stream live: a call closes as soon as the next starts after its arguments are whole", () => {
    const s = translator.createStreamTranslator(ctx());
    const first = parseSse([
      ...s.push(chunk({ delta: { tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } }] } })),
      ...s.push(chunk({ delta: { tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "g", arguments: '{"y"' } }] } })),
    ]);
    // The second call is on the wire before the stream ends (not held behind the first).
    expect(first.filter((e: any) => e.event === "content_block_start").map((e: any) => e.data.content_block.name)).toEqual(["f", "g"]);
    expect(first.some((e: any) => e.event === "content_block_stop" && e.data.index === 0)).toBe(true);
  });

  test("H06 streamed arguments that are not an object (array, string, number, code fence) end as the same input the non-streamed answer gives", () => {
    const shapes = [["[1,", " 2]"], ['"ls', ' -la"'], ["42"], ["```json\n", '{"a": 1}', "\n```"], [" ", "[]"]];
    for (const fragments of shapes) {
      const { events } = stream([
        chunk({ delta: { tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: "" } }] } }),
        ...fragments.map((arguments_) => chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: arguments_ } }] } })),
        chunk({ delta: {}, finish_reason: "tool_calls" }),
        { data: "[DONE]" },
      ]);
      const partial = events.filter((e: any) => e.data.delta?.type === "input_json_delta").map((e: any) => e.data.delta.partial_json).join("");
      const streamedInput = partial === "" ? {} : JSON.parse(partial);
      const whole = respond({ choices: [{ message: { tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: fragments.join("") } }] }, finish_reason: "tool_calls" }] });
      expect({ fragments, input: streamedInput }).toEqual({ fragments, input: whole.body.content[0].input });
      expect(streamedInput !== null && typeof streamedInput === "object" && !Array.isArray(streamedInput)).toBe(true);
      // The held input goes out before its block closes, never after.
      const stop = events.findIndex((e: any) => e.event === "content_block_stop");
      expect(events.slice(stop).some((e: any) => e.data.delta?.type === "input_json_delta")).toBe(false);
    }
  });

  test("SA04 H06 object arguments still stream fragment by fragment (only non-objects are held)", () => {
    const { events } = stream([
      chunk({ delta: { tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: "" } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: ' {"a":' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: " [1]}" } }] } }),
      chunk({ delta: {}, finish_reason: "tool_calls" }),
      { data: "[DONE]" },
    ]);
    expect(events.filter((e: any) => e.data.delta?.type === "input_json_delta").map((e: any) => e.data.delta.partial_json)).toEqual([' {"a":', " [1]}"]);
  });
});
