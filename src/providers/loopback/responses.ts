import { encodeSseEvent, jsonEvent } from "../../streaming/sse-encoder";
import { buildLoopbackReply, jsonResponse, makeId, sseResponse } from "./reply";

type Json = Record<string, unknown>;

/**
 * Loopback answer in the exact Responses API wire format, streaming or not (with sequence_number).
 * A background run passes the id it answered `queued` with: a streamed run's events reach the
 * client as they are, and an id of loopback's own there was one GET /v1/responses/{id} never found.
 */
export function answerResponses(body: Json, model: string, responseId?: string): Response {
  const reply = buildLoopbackReply(body);
  const id = responseId ?? makeId("resp_");
  const messageId = makeId("msg_");
  const createdAt = Math.floor(Date.now() / 1000);
  const usage = {
    input_tokens: reply.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
  const part = { type: "output_text", text: reply.text, annotations: [], logprobs: [] };
  const message = { id: messageId, type: "message", status: "completed", role: "assistant", content: [part] };
  const base = {
    id,
    object: "response",
    created_at: createdAt,
    model,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    metadata: body.metadata ?? {},
    background: body.background === true,
    error: null,
    incomplete_details: null,
  };
  if (body.stream !== true) return jsonResponse({ ...base, status: "completed", output: [message], output_text: reply.text, usage });

  let sequence = 0;
  const event = (type: string, payload: Json) => encodeSseEvent(jsonEvent(type, { type, sequence_number: sequence++, ...payload }));
  const inProgress = { ...base, status: "in_progress", output: [], usage: null };
  const events = [
    event("response.created", { response: inProgress }),
    event("response.in_progress", { response: inProgress }),
    event("response.output_item.added", { output_index: 0, item: { id: messageId, type: "message", status: "in_progress", role: "assistant", content: [] } }),
    event("response.content_part.added", { item_id: messageId, output_index: 0, content_index: 0, part: { ...part, text: "" } }),
  ];
  for (const delta of reply.deltas) events.push(event("response.output_text.delta", { item_id: messageId, output_index: 0, content_index: 0, delta, logprobs: [] }));
  events.push(
    event("response.output_text.done", { item_id: messageId, output_index: 0, content_index: 0, text: reply.text, logprobs: [] }),
    event("response.content_part.done", { item_id: messageId, output_index: 0, content_index: 0, part }),
    event("response.output_item.done", { output_index: 0, item: message }),
    event("response.completed", { response: { ...base, status: "completed", output: [message], usage } }),
  );
  return sseResponse(events);
}

/** Loopback POST /responses/input_tokens: the same count the loopback model reports as usage.input_tokens. */
export function answerResponsesInputTokens(body: Json): Response {
  return jsonResponse({ object: "response.input_tokens", input_tokens: buildLoopbackReply(body).inputTokens });
}
