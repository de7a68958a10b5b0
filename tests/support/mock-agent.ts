/**
 * Upstream answers for driving a real agent client (Codex, Claude Code) through one tool round
 * trip: streamed tool calls in the mock's protocol, then — once the tool's result comes back —
 * a streamed final text. Tests plug these into the mock with `setResponder`, so the answer depends
 * on what the request contains, not on the order in which the client happens to send requests.
 */
import { defaultAnthropicEvents, defaultChatEvents, type MockResponder, type MockScript, mockUsage, type RecordedRequest } from "./mock-upstream";

type Json = Record<string, any>;

/** One tool call the mock agent makes. */
export interface ScriptedCall {
  id: string;
  tool: string;
  input: Json;
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

/** A streamed Chat Completions answer: one tool call per entry (in order), each one's arguments in three chunks. */
export function chatToolCallEvents(model: string, calls: ScriptedCall[]): MockScript["events"] {
  const base = { id: "chatcmpl-agent-tool", object: "chat.completion.chunk", created: 1700000000, model };
  const chunk = (delta: Json, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason: finish }] } });
  const toolChunks = calls.flatMap((call, index) => {
    const json = JSON.stringify(call.input);
    const a = Math.floor(json.length / 3);
    const b = Math.floor((2 * json.length) / 3);
    return [
      chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.tool, arguments: json.slice(0, a) } }] }),
      chunk({ tool_calls: [{ index, function: { arguments: json.slice(a, b) } }] }),
      chunk({ tool_calls: [{ index, function: { arguments: json.slice(b) } }] }),
    ];
  });
  return [
    chunk({ role: "assistant", content: null }),
    ...toolChunks,
    chunk({}, "tool_calls"),
    { data: { ...base, choices: [], usage: { prompt_tokens: mockUsage.input, completion_tokens: mockUsage.output, total_tokens: mockUsage.input + mockUsage.output } } },
    { data: "[DONE]" },
  ];
}

/** One scripted tool turn: make `calls` (all in one answer), then answer `finalText` once every result is back. */
export interface ToolRoundTrip {
  calls: ScriptedCall[];
  finalText: string;
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
    if (trip.calls.every((call) => answered.has(call.id))) return { events: defaultChatEvents(model, trip.finalText, includeUsage) };
    if (calls++ > 0) return { events: defaultChatEvents(model, missingResultText, includeUsage) };
    return { events: chatToolCallEvents(model, trip.calls) };
  };
}
