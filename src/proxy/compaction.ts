/**
 * Compaction requests (a Responses `input` ending in `compaction_trigger`, Codex's remote
 * compaction) for models that are not OpenAI's own: the conversation goes to the routed model as
 * an ordinary, non-streamed request with a summary instruction, and the answer comes back as the
 * one `compaction` output item the client expects (protocols/openai-responses/gateway-compaction.ts),
 * streamed or not as asked. The summarising request is the one that reaches the upstream, so it
 * is the request's ledger row; failover, errors and the store work as for any request. A native
 * OpenAI Responses route compacts itself: the request is not touched.
 */
import { makeId } from "../providers/loopback/reply";
import { COMPACTION_INSTRUCTION, encodeCompactionBlob } from "../protocols/openai-responses/gateway-compaction";
import { GatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import type { ModelRequest, ProxyDeps } from "./types";

type Json = Record<string, any>;

/** Whether the model's first target is an OpenAI Responses upstream, which compacts (and queues) on its own. */
export function routedToOpenAIResponses(request: ModelRequest, deps: ProxyDeps): boolean {
  const first = deps.router.resolve(String(request.body.model), request.clientProtocol).targets[0];
  return first !== undefined && first.upstreamProtocol === "openai-responses" && first.provider !== "loopback";
}

/** The request that asks the routed model for the summary. */
function summaryRequest(request: ModelRequest): ModelRequest {
  const input = (request.body.input as unknown[]).slice(0, -1);
  const { stream: _stream, context_management: _management, ...rest } = request.body;
  const body: Json = {
    ...rest,
    input: [...input, { type: "message", role: "user", content: [{ type: "input_text", text: COMPACTION_INSTRUCTION }] }],
    store: false,
  };
  // Tools stay declared (a history with tool calls needs them) but may not be called.
  if (Array.isArray(body.tools) && body.tools.length > 0) body.tool_choice = "none";
  return { ...request, body, rawBody: JSON.stringify(body) };
}

/** The summary text of a Responses answer: its message items' output text. */
function summaryText(response: Json): string {
  const parts: string[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (item?.type !== "message" || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (part?.type === "output_text" && typeof part.text === "string") parts.push(part.text);
  }
  return parts.join("\n").trim();
}

/** The compaction answer as Responses stream events (the same sequence OpenAI streams). */
function compactionEvents(response: Json, item: Json): string {
  const inProgress = { ...response, status: "in_progress", output: [], usage: null };
  const events: Json[] = [
    { type: "response.created", response: inProgress },
    { type: "response.in_progress", response: inProgress },
    { type: "response.output_item.added", output_index: 0, item },
    { type: "response.output_item.done", output_index: 0, item },
    { type: "response.completed", response },
  ];
  return events.map((event, index) => `event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`).join("");
}

export type ServeModelRequest = (request: ModelRequest, deps: ProxyDeps) => Promise<Response>;

/** A conversation compacted by the routed model: its summary response, the compaction item, the answer's headers. */
export interface GatewayCompaction {
  /** The summary request's Responses object (id, usage, echoed settings). */
  response: Json;
  item: Json;
  headers: Headers;
}

/**
 * Ask the routed model to summarise `request`'s conversation (its input ends in a
 * compaction_trigger). An error answer (the upstream's, or no summary) comes back as a Response
 * to give the client as it is; the summary request has written its ledger row either way.
 */
export async function compactConversation(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<GatewayCompaction | Response> {
  const answer = await serve(summaryRequest(request), deps);
  if (answer.status !== 200) return answer;
  const response = (await answer.json()) as Json;
  const summary = summaryText(response);
  if (summary === "") {
    return renderErrorResponse(request.clientProtocol, new GatewayError("upstream_error", 502, "the model returned no summary for the compaction"), request.requestId);
  }
  const item = { type: "compaction", id: makeId("cmp_"), encrypted_content: encodeCompactionBlob(summary) };
  const headers = new Headers(answer.headers);
  headers.delete("content-length");
  return { response, item, headers };
}

export async function serveGatewayCompaction(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<Response> {
  const compaction = await compactConversation(request, deps, serve);
  if (compaction instanceof Response) return compaction;
  const { response, item, headers } = compaction;
  const compacted = { ...response, status: "completed", incomplete_details: null, output: [item] };
  if (request.body.stream !== true) {
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(compacted), { status: 200, headers });
  }
  headers.set("content-type", "text/event-stream");
  headers.set("cache-control", "no-cache");
  return new Response(compactionEvents(compacted, item), { status: 200, headers });
}
