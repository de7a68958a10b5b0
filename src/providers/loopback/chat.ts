import { encodeSseEvent } from "../../streaming/sse-encoder";
import { buildLoopbackReply, jsonResponse, makeId, sseResponse } from "./reply";

type Json = Record<string, unknown>;

/** Loopback answer in the exact Chat Completions wire format, streaming or not. */
export function answerChat(body: Json, model: string): Response {
  const reply = buildLoopbackReply(body);
  const id = makeId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: reply.inputTokens, completion_tokens: reply.outputTokens, total_tokens: reply.inputTokens + reply.outputTokens };
  if (body.stream !== true) {
    return jsonResponse({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: reply.text, refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage,
      system_fingerprint: null,
    });
  }
  const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
  const chunk = (choices: unknown[], extra: Json = {}) =>
    encodeSseEvent({ data: JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices, ...(includeUsage ? { usage: null } : {}), ...extra }) });
  const events = [chunk([{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }])];
  for (const delta of reply.deltas) events.push(chunk([{ index: 0, delta: { content: delta }, logprobs: null, finish_reason: null }]));
  events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]));
  if (includeUsage) events.push(chunk([], { usage }));
  events.push(encodeSseEvent({ data: "[DONE]" }));
  return sseResponse(events);
}
