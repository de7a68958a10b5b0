import { encodeSseEvent, jsonEvent } from "../../streaming/sse-encoder";
import { buildLoopbackReply, jsonResponse, makeId, sseResponse } from "./reply";

type Json = Record<string, unknown>;

/** Loopback answer in the exact Anthropic Messages wire format, streaming or not. */
export function answerAnthropic(body: Json, model: string): Response {
  const reply = buildLoopbackReply(body);
  const id = makeId("msg_");
  const usage = { input_tokens: reply.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: reply.outputTokens };
  if (body.stream !== true) {
    return jsonResponse({ id, type: "message", role: "assistant", model, content: [{ type: "text", text: reply.text }], stop_reason: "end_turn", stop_sequence: null, usage });
  }
  const event = (type: string, payload: Json) => encodeSseEvent(jsonEvent(type, { type, ...payload }));
  const events = [
    event("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    event("ping", {}),
  ];
  for (const delta of reply.deltas) events.push(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: delta } }));
  events.push(
    event("content_block_stop", { index: 0 }),
    event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: reply.outputTokens } }),
    event("message_stop", {}),
  );
  return sseResponse(events);
}

/** Loopback count_tokens: the same count the loopback model reports as input_tokens. */
export function answerAnthropicCountTokens(body: Json): Response {
  return jsonResponse({ input_tokens: buildLoopbackReply(body).inputTokens });
}
