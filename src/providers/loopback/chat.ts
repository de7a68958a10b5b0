import { GatewayError } from "../../errors/gateway-error";
import { encodeSseEvent } from "../../streaming/sse-encoder";
import { buildLoopbackReply, jsonResponse, makeId, sseResponse } from "./reply";

type Json = Record<string, unknown>;

/** `n`: how many choices (OpenAI allows 1–128); clients index into `choices[i]`, so never fewer. */
function choiceCount(body: Json): number {
  const n = body.n ?? 1;
  if (n === null) return 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 128) throw new GatewayError("invalid_request", 400, "n: must be an integer from 1 to 128", { param: "n" });
  return n;
}

/** Loopback answer in the exact Chat Completions wire format, streaming or not, with `n` choices. */
export function answerChat(body: Json, model: string): Response {
  const reply = buildLoopbackReply(body);
  const n = choiceCount(body);
  const indexes = Array.from({ length: n }, (_, index) => index);
  const id = makeId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const completionTokens = reply.outputTokens * n;
  const usage = { prompt_tokens: reply.inputTokens, completion_tokens: completionTokens, total_tokens: reply.inputTokens + completionTokens };
  if (body.stream !== true) {
    return jsonResponse({
      id,
      object: "chat.completion",
      created,
      model,
      choices: indexes.map((index) => ({ index, message: { role: "assistant", content: reply.text, refusal: null }, logprobs: null, finish_reason: "stop" })),
      usage,
      system_fingerprint: null,
    });
  }
  const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
  const chunk = (choices: unknown[], extra: Json = {}) =>
    encodeSseEvent({ data: JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices, ...(includeUsage ? { usage: null } : {}), ...extra }) });
  const events: string[] = [];
  for (const index of indexes) {
    events.push(chunk([{ index, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]));
    for (const delta of reply.deltas) events.push(chunk([{ index, delta: { content: delta }, logprobs: null, finish_reason: null }]));
    events.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: "stop" }]));
  }
  if (includeUsage) events.push(chunk([], { usage }));
  events.push(encodeSseEvent({ data: "[DONE]" }));
  return sseResponse(events);
}
