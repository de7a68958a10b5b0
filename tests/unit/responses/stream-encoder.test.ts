import { describe, expect, test } from "bun:test";
import type { CanonicalEvent, CanonicalRequest } from "../../../src/canonical/types";
import { unwrapAnthropicReasoning } from "../../../src/protocols/openai-responses/reasoning-blob";
import { parseEvents, readFixture, testCodec, testContext } from "./support";

type Parsed = ReturnType<typeof parseEvents>;

async function codexRequest(): Promise<CanonicalRequest> {
  return testCodec().decodeRequest(await readFixture("codex-tool-loop-request.json"));
}

function encode(events: CanonicalEvent[], request?: CanonicalRequest, options = {}): Parsed {
  const encoder = testCodec(options).createStreamEncoder(testContext({}, request));
  return parseEvents(events.flatMap((event) => encoder.push(event)));
}

/** An Anthropic-shaped turn: thinking, text, two parallel tool calls. */
const THINK_TEXT_TWO_TOOLS: CanonicalEvent[] = [
  { type: "message_start", id: "msg_up", model: "claude-sonnet-4-6", usage: { inputTokens: 120, cacheReadTokens: 100 } },
  { type: "block_start", index: 0, block: { type: "reasoning" } },
  { type: "reasoning_delta", index: 0, text: "Let me " },
  { type: "reasoning_delta", index: 0, text: "look." },
  { type: "reasoning_signature", index: 0, signature: "sig-A" },
  { type: "block_stop", index: 0 },
  { type: "block_start", index: 1, block: { type: "text" } },
  { type: "text_delta", index: 1, text: "Checking" },
  { type: "text_delta", index: 1, text: " files." },
  { type: "block_stop", index: 1 },
  { type: "block_start", index: 2, block: { type: "tool_call", id: "toolu_1", name: "exec_command", kind: "function" } },
  { type: "tool_args_delta", index: 2, fragment: '{"cmd":' },
  { type: "tool_args_delta", index: 2, fragment: '"ls"}' },
  { type: "block_stop", index: 2 },
  { type: "block_start", index: 3, block: { type: "tool_call", id: "toolu_2", name: "exec_command", kind: "function" } },
  { type: "tool_args_delta", index: 3, fragment: '{"cmd":"pwd"}' },
  { type: "block_stop", index: 3 },
  { type: "finish", stopReason: "tool_use" },
  { type: "usage", usage: { outputTokens: 40, reasoningTokens: 10 } },
  { type: "message_stop" },
];

describe("Responses stream encoder", () => {
  test("SR01 response.created then response.in_progress first; sequence_number from 0, +1 per event", async () => {
    const events = encode(THINK_TEXT_TWO_TOOLS, await codexRequest());
    expect(events.slice(0, 2).map((event) => event.type)).toEqual(["response.created", "response.in_progress"]);
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_, index) => index));
    const created = events[0]!.data.response as Record<string, unknown>;
    expect(created).toMatchObject({ id: "resp_1", object: "response", status: "in_progress", model: "gpt-5.5", output: [], created_at: 1_700_000_000 });
    // R10/SR01: the client's settings are echoed.
    expect(created).toMatchObject({ store: false, parallel_tool_calls: true, reasoning: { effort: "medium", summary: "auto" }, tool_choice: "auto" });
  });

  test("SR02 SR04 SR05 SR06 the full event order for reasoning, text and two parallel function calls", async () => {
    const events = encode(THINK_TEXT_TWO_TOOLS, await codexRequest());
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const added = events.filter((event) => event.type === "response.output_item.added");
    expect(added.map((event) => event.data.output_index)).toEqual([0, 1, 2, 3]);
    expect(added.map((event) => (event.data.item as Record<string, unknown>).id)).toEqual(["rs_tgw1", "msg_1", "fc_1", "fc_2"]);
    expect(added[2]!.data.item).toEqual({ type: "function_call", id: "fc_1", status: "in_progress", call_id: "toolu_1", name: "exec_command", arguments: "" });
    const argsDone = events.filter((event) => event.type === "response.function_call_arguments.done");
    expect(argsDone.map((event) => [event.data.output_index, event.data.arguments])).toEqual([
      [2, '{"cmd":"ls"}'],
      [3, '{"cmd":"pwd"}'],
    ]);
    const textDone = events.find((event) => event.type === "response.output_text.done")!;
    expect(textDone.data).toMatchObject({ item_id: "msg_1", output_index: 1, content_index: 0, text: "Checking files." });
  });

  test("SR10 N05 the terminal response lists exactly the announced items, same ids and order, with usage", async () => {
    const events = encode(THINK_TEXT_TWO_TOOLS, await codexRequest());
    const done = events.filter((event) => event.type === "response.output_item.done").map((event) => event.data.item);
    const completed = events.at(-1)!.data.response as Record<string, unknown>;
    expect(completed.id).toBe((events[0]!.data.response as Record<string, unknown>).id);
    expect(completed.status).toBe("completed");
    expect(completed.output).toEqual(done);
    expect(completed.usage).toEqual({
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 10 },
      total_tokens: 160,
    });
  });

  test("K09 SR06 the reasoning item carries a summary and a replayable gateway blob with the exact thinking", async () => {
    const events = encode(THINK_TEXT_TWO_TOOLS, await codexRequest());
    const reasoning = events.find((event) => event.type === "response.output_item.done")!.data.item as Record<string, unknown>;
    expect(reasoning.summary).toEqual([{ type: "summary_text", text: "Let me look." }]);
    expect(unwrapAnthropicReasoning(reasoning.encrypted_content as string)).toEqual({ text: "Let me look.", signature: "sig-A" });
  });

  test("K10 without reasoning.summary no summary events are sent, but the item and its blob still are", async () => {
    const request = await codexRequest();
    delete request.reasoning;
    const events = encode(THINK_TEXT_TWO_TOOLS, request);
    expect(events.some((event) => event.type.startsWith("response.reasoning_summary"))).toBe(false);
    const reasoning = events.find((event) => event.type === "response.output_item.done")!.data.item as Record<string, unknown>;
    expect(reasoning.summary).toEqual([]);
    expect(typeof reasoning.encrypted_content).toBe("string");
  });

  test("SR06 without include reasoning.encrypted_content the blob is left out", async () => {
    const request = await codexRequest();
    delete request.extra.fields.include;
    const events = encode(THINK_TEXT_TWO_TOOLS, request);
    const reasoning = events.find((event) => event.type === "response.output_item.done")!.data.item as Record<string, unknown>;
    expect(reasoning.encrypted_content).toBeUndefined();
  });

  test("S10 SR04 a custom tool wrapped as a function upstream streams back as custom_tool_call with the raw input", async () => {
    const patch = "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n";
    const events = encode(
      [
        { type: "message_start", id: "m", model: "c" },
        { type: "block_start", index: 0, block: { type: "tool_call", id: "toolu_p", name: "apply_patch", kind: "function" } },
        { type: "tool_args_delta", index: 0, fragment: '{"input":' },
        { type: "tool_args_delta", index: 0, fragment: JSON.stringify(patch) + "}" },
        { type: "block_stop", index: 0 },
        { type: "finish", stopReason: "tool_use" },
        { type: "message_stop" },
      ],
      await codexRequest(),
    );
    expect(events.map((event) => event.type).slice(2)).toEqual([
      "response.output_item.added",
      "response.custom_tool_call_input.delta",
      "response.custom_tool_call_input.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[2]!.data.item).toMatchObject({ type: "custom_tool_call", id: "ctc_1", call_id: "toolu_p", name: "apply_patch", input: "" });
    expect(events[4]!.data.input).toBe(patch);
    expect(events[5]!.data.item).toEqual({ type: "custom_tool_call", id: "ctc_1", status: "completed", call_id: "toolu_p", name: "apply_patch", input: patch });
  });

  test("S11 a flattened namespace call gets its namespace back", async () => {
    const events = encode(
      [
        { type: "block_start", index: 0, block: { type: "tool_call", id: "toolu_s", name: "multi_agent_v1__spawn_agent", kind: "function" } },
        { type: "tool_args_delta", index: 0, fragment: "{}" },
        { type: "block_stop", index: 0 },
        { type: "message_stop" },
      ],
      await codexRequest(),
    );
    const done = events.find((event) => event.type === "response.output_item.done")!.data.item;
    expect(done).toEqual({ type: "function_call", id: "fc_1", status: "completed", call_id: "toolu_s", name: "spawn_agent", arguments: "{}", namespace: "multi_agent_v1" });
  });

  test("N01 SR07 max_tokens ends with response.incomplete and incomplete_details", () => {
    const events = encode([
      { type: "message_start", id: "m", model: "c" },
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "partial" },
      { type: "block_stop", index: 0 },
      { type: "finish", stopReason: "max_tokens" },
      { type: "message_stop" },
    ]);
    const last = events.at(-1)!;
    expect(last.type).toBe("response.incomplete");
    expect(last.data.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });

  test("N01 the item the token limit cut short is incomplete in output_item.done and in response.incomplete", () => {
    const events = encode([
      { type: "message_start", id: "m", model: "c" },
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "Running." },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "tool_call", id: "toolu_1", name: "exec_command", kind: "function" } },
      { type: "tool_args_delta", index: 1, fragment: '{"cmd":"l' },
      { type: "block_stop", index: 1 },
      { type: "finish", stopReason: "max_tokens" },
      { type: "usage", usage: { outputTokens: 16 } },
      { type: "message_stop" },
    ]);
    const done = events.filter((event) => event.type === "response.output_item.done").map((event) => event.data.item as Record<string, unknown>);
    expect(done.map((item) => [item.type, item.status])).toEqual([
      ["message", "completed"],
      ["function_call", "incomplete"],
    ]);
    expect(done[1]).toMatchObject({ call_id: "toolu_1", arguments: '{"cmd":"l' });
    const last = events.at(-1)!;
    expect(last.type).toBe("response.incomplete");
    expect((last.data.response as Record<string, unknown>).output).toEqual(done);
    // The order is unchanged: an item is done before the next one is added, and all before the end.
    expect(events.map((event) => event.type).slice(2)).toEqual([
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.incomplete",
    ]);
  });

  test("N01 reasoning cut before any answer is an incomplete reasoning item; whole reasoning carries no status", async () => {
    const thinking = (stopReason: "max_tokens" | "end_turn"): Parsed =>
      encode([
        { type: "message_start", id: "m", model: "c" },
        { type: "block_start", index: 0, block: { type: "reasoning" } },
        { type: "reasoning_delta", index: 0, text: "Let me" },
        { type: "reasoning_signature", index: 0, signature: "sig" },
        { type: "block_stop", index: 0 },
        { type: "finish", stopReason },
        { type: "message_stop" },
      ]);
    const itemOf = (events: Parsed) => events.find((event) => event.type === "response.output_item.done")!.data.item as Record<string, unknown>;
    expect(itemOf(thinking("max_tokens")).status).toBe("incomplete");
    expect(itemOf(thinking("end_turn")).status).toBeUndefined();
  });

  test("SR03 SR07 message_stop closes items still open, each exactly once, before the terminal event", () => {
    const events = encode([
      { type: "message_start", id: "m", model: "c" },
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_delta", index: 0, text: "hi" },
      { type: "message_stop" },
      { type: "block_stop", index: 0 },
    ]);
    expect(events.filter((event) => event.type === "response.output_item.done")).toHaveLength(1);
    expect(events.at(-1)!.type).toBe("response.completed");
    expect(events.filter((event) => event.type === "response.completed")).toHaveLength(1);
  });

  test("SR03 block events for blocks never started are ignored, and foreign opaque blocks add no item", () => {
    const events = encode([
      { type: "text_delta", index: 5, text: "stray" },
      { type: "block_stop", index: 5 },
      { type: "block_start", index: 0, block: { type: "opaque", protocol: "anthropic", value: { type: "server_tool_use" } } },
      { type: "block_stop", index: 0 },
      { type: "message_stop" },
    ]);
    expect(events.map((event) => event.type)).toEqual(["response.created", "response.in_progress", "response.completed"]);
  });

  test("SR08 a mid-stream rate limit becomes response.failed with rate_limit_exceeded and a retry hint", () => {
    const events = encode([
      { type: "message_start", id: "m", model: "c" },
      { type: "error", status: 429, code: "upstream_rate_limited", message: "Rate limited", retryAfter: 1.5 },
      { type: "message_stop" },
    ]);
    expect(events.map((event) => event.type)).toEqual(["response.created", "response.in_progress", "response.failed"]);
    expect(events[2]!.data.response).toMatchObject({ status: "failed", error: { code: "rate_limit_exceeded", message: "Rate limited. Please try again in 1.5s." } });
  });

  test("SR08 E04 overload and context-length failures use the codes Codex acts on", () => {
    const overloaded = encode([{ type: "error", status: 529, code: "upstream_overloaded", message: "Overloaded", upstreamType: "overloaded_error" }]);
    expect((overloaded.at(-1)!.data.response as Record<string, unknown>).error).toEqual({ code: "server_is_overloaded", message: "Overloaded" });
    const tooLong = encode([{ type: "error", status: 400, code: "upstream_bad_request", message: "prompt is too long: 210000 tokens > 200000 maximum" }]);
    expect(((tooLong.at(-1)!.data.response as Record<string, unknown>).error as Record<string, unknown>).code).toBe("context_length_exceeded");
  });
});
