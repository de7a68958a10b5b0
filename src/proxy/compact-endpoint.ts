/**
 * POST /v1/responses/compact (the openai SDK's `client.responses.compact()`): the conversation
 * in (`input` and/or `previous_response_id`, `instructions`), a compacted window out:
 * `{id, object: "response.compaction", created_at, output, usage}` whose `output` is the
 * conversation's user messages followed by one `compaction` item, to be sent as the next input.
 *
 * An OpenAI Responses route forwards the call (OpenAI writes its own encrypted item; a history
 * this gateway stored is expanded first, OpenAI never saw it). Every other route (Claude, Chat
 * models, loopback) compacts through the gateway: the routed model writes a hand-over summary
 * exactly as for Codex's `compaction_trigger` (compaction.ts), and the summary request is the
 * call's one ledger row, with its usage.
 */
import { GatewayError } from "../errors/gateway-error";
import { normaliseInputItems } from "../responses-store/items";
import { compactConversation, routedToOpenAIResponses } from "./compaction";
import { handleModelRequest } from "./handle-request";
import { conversationOf, userMessagesOf } from "./stored-conversation";
import type { ModelRequest, ProxyDeps } from "./types";

type Json = Record<string, unknown>;

export async function serveCompactEndpoint(request: ModelRequest, deps: ProxyDeps): Promise<Response> {
  const { input, previous_response_id: previousId } = request.body;
  if ((input === undefined || input === null) && (typeof previousId !== "string" || previousId === "")) {
    throw new GatewayError("invalid_request", 400, "Missing required parameter: 'input' (or 'previous_response_id').", { param: "input" });
  }
  if (input !== undefined && input !== null && typeof input !== "string" && !Array.isArray(input)) {
    throw new GatewayError("invalid_request", 400, `Invalid type for 'input': expected a string or an array of items, but got ${typeof input} instead.`, { param: "input" });
  }
  if (routedToOpenAIResponses(request, deps)) return forwardToOpenAI(request, deps);

  const conversation = await conversationOf(request, deps);
  // The compaction path of POST /v1/responses, reached with a trigger item; never streamed, never stored.
  const { stream: _stream, background: _background, ...fields } = request.body;
  // previous_response_id stays: the normal path expands the stored history (with its reasoning blobs) or refuses an unknown id.
  const body: Json = { ...fields, input: [...normaliseInputItems(input), { type: "compaction_trigger" }], store: false };
  const compaction = await compactConversation({ ...request, operation: "openai-responses", body, rawBody: JSON.stringify(body) }, deps, handleModelRequest);
  if (compaction instanceof Response) return compaction;
  const { response, item, headers } = compaction;
  const compacted = {
    id: response.id,
    object: "response.compaction",
    created_at: response.created_at ?? Math.floor(Date.now() / 1000),
    output: [...userMessagesOf(conversation.items), item],
    usage: response.usage ?? null,
  };
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(compacted), { status: 200, headers });
}

/** Native: OpenAI compacts. A conversation this gateway stored goes as the full input instead of an id OpenAI never issued. */
async function forwardToOpenAI(request: ModelRequest, deps: ProxyDeps): Promise<Response> {
  const conversation = await conversationOf(request, deps);
  if (!conversation.expanded) return handleModelRequest(request, deps);
  const { previous_response_id: _previous, ...fields } = request.body;
  const body = { ...fields, input: conversation.items };
  return handleModelRequest({ ...request, body, rawBody: JSON.stringify(body) }, deps);
}
