/**
 * Upstream answers for driving a real agent client (Codex, Claude Code) through one tool round
 * trip: streamed tool calls in the mock's protocol (Anthropic, Chat or Responses), then — once the tool's result comes back —
 * a streamed final text. Tests plug these into the mock with `setResponder`, so the answer depends
 * on what the request contains, not on the order in which the client happens to send requests.
 */
import { defaultAnthropicEvents, defaultChatEvents, defaultResponsesEvents, type MockResponder, type MockScript, mockUsage, type RecordedRequest } from "./mock-upstream";

type Json = Record<string, any>;

/** One tool call the mock agent makes. */
export interface ScriptedCall {
  id: string;
  tool: string;
  input: Json;
}

/** `json` cut into `pieces` fragments at floor(i·length/pieces): arbitrary points, mid-key and mid-escape included. */
export function splitInPieces(json: string, pieces: number): string[] {
  const cuts = Array.from({ length: pieces + 1 }, (_, i) => Math.floor((i * json.length) / pieces));
  return cuts.slice(1).map((end, i) => json.slice(cuts[i], end));
}

/**
 * A streamed Anthropic Messages answer: a signed thinking block, a short text, then one tool_use
 * block per call, each input arriving in two pieces. The signature lets a test check that the
 * client replayed the reasoning (Anthropic rejects a tool loop with thinking on but no signed thinking).
 */
export function anthropicToolUseEvents(model: string, calls: ScriptedCall[], thinking = { text: "The user wants a file.", signature: "sig-mock-agent" }): MockScript["events"] {
  const ev = (type: string, payload: Json) => ({ event: type, data: { type, ...payload } });
  const toolBlocks = calls.flatMap((call, n) => {
    const index = n + 2;
    const json = JSON.stringify(call.input);
    const cut = Math.floor(json.length / 2);
    return [
      ev("content_block_start", { index, content_block: { type: "tool_use", id: call.id, name: call.tool, input: {} } }),
      ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: json.slice(0, cut) } }),
      ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: json.slice(cut) } }),
      ev("content_block_stop", { index }),
    ];
  });
  return [
    ev("message_start", { message: { id: "msg_agent_tool", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: mockUsage.input, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
    ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: thinking.text } }),
    ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: thinking.signature } }),
    ev("content_block_stop", { index: 0 }),
    ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Running the command." } }),
    ev("content_block_stop", { index: 1 }),
    ...toolBlocks,
    ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: mockUsage.output } }),
    ev("message_stop", {}),
  ];
}

/** How a streamed tool-call answer looks: a short text before the calls (Chat only), and how many chunks each call's arguments take. */
export interface ToolCallShape {
  preamble?: string;
  argumentPieces?: number;
  /**
   * Chat only: play Gemini 3 (K08). The first call carries this `thought_signature` in
   * `extra_content.google`, and a replay of the call without it is refused with Gemini's 400.
   */
  thoughtSignature?: string;
  /** Responses only: a reasoning item (summary text and encrypted blob) ahead of the calls, as gpt-5 models send. */
  reasoning?: { id: string; summary: string; encryptedContent: string };
}

/** A streamed Chat Completions answer: optional text, then one tool call per entry (in order), each one's arguments in three chunks by default. */
export function chatToolCallEvents(model: string, calls: ScriptedCall[], shape: ToolCallShape = {}): MockScript["events"] {
  const base = { id: "chatcmpl-agent-tool", object: "chat.completion.chunk", created: 1700000000, model };
  const chunk = (delta: Json, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason: finish }] } });
  const toolChunks = calls.flatMap((call, index) => {
    const [first, ...rest] = splitInPieces(JSON.stringify(call.input), shape.argumentPieces ?? 3);
    return [
      chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.tool, arguments: first }, ...(index === 0 && shape.thoughtSignature ? { extra_content: { google: { thought_signature: shape.thoughtSignature } } } : {}) }] }),
      ...rest.map((fragment) => chunk({ tool_calls: [{ index, function: { arguments: fragment } }] })),
    ];
  });
  return [
    chunk({ role: "assistant", content: null }),
    ...(shape.preamble ? [chunk({ content: shape.preamble })] : []),
    ...toolChunks,
    chunk({}, "tool_calls"),
    { data: { ...base, choices: [], usage: { prompt_tokens: mockUsage.input, completion_tokens: mockUsage.output, total_tokens: mockUsage.input + mockUsage.output } } },
    { data: "[DONE]" },
  ];
}

/**
 * A streamed Responses answer: one function_call output item per entry (each with its own
 * output_index), arguments in three `function_call_arguments.delta` events by default, then
 * `response.completed` with usage.
 */
export function responsesToolCallEvents(model: string, calls: ScriptedCall[], shape: ToolCallShape = {}): MockScript["events"] {
  let seq = 0;
  const ev = (type: string, payload: Json) => ({ event: type, data: { type, sequence_number: seq++, ...payload } });
  const items = calls.map((call, n) => ({ id: `fc_agent_${n}`, type: "function_call", status: "completed", call_id: call.id, name: call.tool, arguments: JSON.stringify(call.input) }));
  const response = { id: "resp_agent_tool", object: "response", created_at: 1700000000, model, status: "in_progress", output: [] as unknown[], usage: null as unknown };
  const usage = { input_tokens: mockUsage.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: mockUsage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: mockUsage.input + mockUsage.output };
  const reasoning = shape.reasoning;
  const reasoningItem = reasoning && { id: reasoning.id, type: "reasoning", summary: [{ type: "summary_text", text: reasoning.summary }], encrypted_content: reasoning.encryptedContent };
  const reasoningEvents = reasoningItem
    ? [
        ev("response.output_item.added", { output_index: 0, item: { id: reasoningItem.id, type: "reasoning", summary: [] } }),
        ev("response.reasoning_summary_part.added", { item_id: reasoningItem.id, output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } }),
        ev("response.reasoning_summary_text.delta", { item_id: reasoningItem.id, output_index: 0, summary_index: 0, delta: reasoning.summary }),
        ev("response.reasoning_summary_text.done", { item_id: reasoningItem.id, output_index: 0, summary_index: 0, text: reasoning.summary }),
        ev("response.reasoning_summary_part.done", { item_id: reasoningItem.id, output_index: 0, summary_index: 0, part: reasoningItem.summary[0] }),
        ev("response.output_item.done", { output_index: 0, item: reasoningItem }),
      ]
    : [];
  const offset = reasoningItem ? 1 : 0;
  const itemEvents = items.flatMap((item, n) => {
    const output_index = n + offset;
    return [
    ev("response.output_item.added", { output_index, item: { ...item, status: "in_progress", arguments: "" } }),
    ...splitInPieces(item.arguments, shape.argumentPieces ?? 3).map((delta) => ev("response.function_call_arguments.delta", { item_id: item.id, output_index, delta })),
    ev("response.function_call_arguments.done", { item_id: item.id, output_index, arguments: item.arguments }),
    ev("response.output_item.done", { output_index, item }),
    ];
  });
  const output = reasoningItem ? [reasoningItem, ...items] : items;
  return [ev("response.created", { response }), ev("response.in_progress", { response }), ...reasoningEvents, ...itemEvents, ev("response.completed", { response: { ...response, status: "completed", output, usage } })];
}

/** One scripted tool turn: make `calls` (all in one answer), then answer `finalText` once every result is back. */
export interface ToolRoundTrip {
  calls: ScriptedCall[];
  finalText: string;
  /** How the tool-call answer is streamed (Chat and Responses agents). */
  shape?: ToolCallShape;
}

/** Whether a recorded request declares a tool of this name (Anthropic or Chat shape). */
export function declaresTool(request: RecordedRequest, name: string): boolean {
  const tools: Json[] = Array.isArray(request.body?.tools) ? request.body.tools : [];
  return tools.some((tool) => tool.name === name || tool.function?.name === name || tool.custom?.name === name);
}

function declaresTools(request: RecordedRequest, trip: ToolRoundTrip): boolean {
  return trip.calls.every((call) => declaresTool(request, call.tool));
}

/** Anthropic tool_result blocks in a recorded Messages request. */
export function anthropicToolResults(request: RecordedRequest): Json[] {
  const messages: Json[] = Array.isArray(request.body?.messages) ? request.body.messages : [];
  return messages.flatMap((message) => (message.role === "user" && Array.isArray(message.content) ? message.content.filter((block: Json) => block?.type === "tool_result") : []));
}

/** Chat `role: "tool"` messages in a recorded Chat Completions request. */
export function chatToolResults(request: RecordedRequest): Json[] {
  const messages: Json[] = Array.isArray(request.body?.messages) ? request.body.messages : [];
  return messages.filter((message) => message.role === "tool");
}

/** Text the agent answers when a follow-up request lacks the tool's result (a test then fails fast). */
export const missingResultText = "MOCK AGENT: the tool result did not come back";

/**
 * An Anthropic-speaking agent upstream (streaming): a request that declares the tool and holds
 * its result gets the final text; the first one without a result gets the tool call; a later one
 * still without it gets `missingResultText`, so a broken translation ends the client's loop at
 * once instead of letting it call the tool until a timer kills it. Anything else (a side request
 * without the tool) falls through to the mock's default answer.
 */
export function anthropicToolRoundTrip(trip: ToolRoundTrip): MockResponder {
  let calls = 0;
  return (request) => {
    if (!request.path.endsWith("/messages") || !declaresTools(request, trip)) return undefined;
    const model = String(request.body.model);
    const answered = new Set(anthropicToolResults(request).map((block) => block.tool_use_id));
    if (trip.calls.every((call) => answered.has(call.id))) return { events: defaultAnthropicEvents(model, trip.finalText) };
    if (calls++ > 0) return { events: defaultAnthropicEvents(model, missingResultText) };
    return { events: anthropicToolUseEvents(model, trip.calls) };
  };
}

/** The same agent on a Chat Completions upstream (tool arguments streamed in three pieces). */
export function chatToolRoundTrip(trip: ToolRoundTrip): MockResponder {
  let calls = 0;
  return (request) => {
    if (!request.path.endsWith("/chat/completions") || !declaresTools(request, trip)) return undefined;
    const model = String(request.body.model);
    const includeUsage = request.body.stream_options?.include_usage === true;
    const answered = new Set(chatToolResults(request).map((message) => message.tool_call_id));
    const signature = trip.shape?.thoughtSignature;
    if (signature && answered.size > 0 && replayedSignature(request, trip.calls[0]!.id) !== signature) {
      return { status: 400, json: [{ error: { code: 400, message: `Function call is missing a thought_signature in functionCall parts. Additional data, function call \`${trip.calls[0]!.tool}\`, position 2.`, status: "INVALID_ARGUMENT" } }] };
    }
    if (trip.calls.every((call) => answered.has(call.id))) return { events: defaultChatEvents(model, trip.finalText, includeUsage) };
    if (calls++ > 0) return { events: defaultChatEvents(model, missingResultText, includeUsage) };
    return { events: chatToolCallEvents(model, trip.calls, trip.shape) };
  };
}

/** The thought signature a Chat request replays on the assistant tool call `callId`. */
function replayedSignature(request: RecordedRequest, callId: string): unknown {
  const messages: Json[] = Array.isArray(request.body?.messages) ? request.body.messages : [];
  const call = messages.flatMap((message) => (Array.isArray(message.tool_calls) ? message.tool_calls : [])).find((c: Json) => c?.id === callId);
  return call?.extra_content?.google?.thought_signature;
}

/** Responses `function_call_output` items in a recorded Responses request. */
export function responsesToolResults(request: RecordedRequest): Json[] {
  const input: Json[] = Array.isArray(request.body?.input) ? request.body.input : [];
  return input.filter((item) => item?.type === "function_call_output");
}

/** The same agent on a Responses upstream (tool arguments streamed in three pieces by default). */
export function responsesToolRoundTrip(trip: ToolRoundTrip): MockResponder {
  let calls = 0;
  return (request) => {
    if (!request.path.endsWith("/responses") || !declaresTools(request, trip)) return undefined;
    const model = String(request.body.model);
    const answered = new Set(responsesToolResults(request).map((item) => item.call_id));
    if (trip.calls.every((call) => answered.has(call.id))) return { events: defaultResponsesEvents(model, trip.finalText) };
    if (calls++ > 0) return { events: defaultResponsesEvents(model, missingResultText) };
    return { events: responsesToolCallEvents(model, trip.calls, trip.shape) };
  };
}
