/**
 * Server-side compaction (`context_management: [{type: "compaction", compact_threshold: N}]` on
 * POST /v1/responses) for models OpenAI does not serve; an OpenAI Responses route gets the field
 * as sent and compacts itself. OpenAI's contract (platform docs, "Compaction"): when the rendered
 * conversation crosses the threshold, the server compacts the earlier context before answering,
 * the answer's output starts with the `compaction` item, and a client chaining by input array
 * appends the output as usual: items before the latest compaction item may be dropped, because
 * that item carries them. So here:
 *  - the conversation (stored history behind previous_response_id, then the input) is rendered
 *    with only the user messages kept before its latest compaction item (what a compacted
 *    window holds: user messages, then the compaction item);
 *  - when its estimated tokens exceed the threshold, the routed model writes a summary
 *    (compaction.ts, its own ledger row), and the answer is asked over the user messages plus
 *    that summary, its output led by the compaction item, streamed or not as asked.
 * Estimates use the ledger's tokenizer (loaded on first use); no threshold, no compaction.
 */
import { GatewayError } from "../errors/gateway-error";
import { loadEstimators } from "../ledger/estimators-lazy";
import type { Item } from "../responses-store/items";
import { compactConversation, type ServeModelRequest } from "./compaction";
import { conversationOf, userMessagesOf } from "./stored-conversation";
import type { ModelRequest, ProxyDeps } from "./types";

/** The compaction threshold the client asked for; undefined for none. A malformed field is OpenAI's 400. */
export function compactThresholdOf(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid("context_management", "Invalid type for 'context_management': expected an array of objects.");
  let threshold: number | undefined;
  for (const [index, entry] of value.entries()) {
    if (typeof entry !== "object" || entry === null || typeof (entry as { type?: unknown }).type !== "string") {
      throw invalid(`context_management[${index}]`, `Invalid 'context_management[${index}]': expected an object with a string 'type'.`);
    }
    const { type, compact_threshold: limit } = entry as { type: string; compact_threshold?: unknown };
    if (type !== "compaction") throw invalid(`context_management[${index}].type`, `Invalid 'context_management[${index}].type': only 'compaction' is supported.`);
    if (limit === null || limit === undefined) continue;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      throw invalid(`context_management[${index}].compact_threshold`, `Invalid 'context_management[${index}].compact_threshold': expected a positive integer.`);
    }
    threshold = threshold === undefined ? limit : Math.min(threshold, limit);
  }
  return threshold;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", 400, message, { param });
}

/** The conversation as the model gets it: before the latest compaction item, only user messages (that item carries the rest). */
export function renderCompactedConversation(items: Item[]): Item[] {
  const latest = items.findLastIndex((item) => item.type === "compaction");
  if (latest <= 0) return items;
  return [...userMessagesOf(items.slice(0, latest)), ...items.slice(latest)];
}

/** A Responses request with `context_management`, on a route OpenAI does not serve. */
export async function serveWithContextManagement(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<Response> {
  const threshold = compactThresholdOf(request.body.context_management);
  const conversation = await conversationOf(request, deps);
  const rendered = renderCompactedConversation(conversation.items);
  const { context_management: _management, ...fields } = request.body;
  // A history expanded here is in `input`: the normal path must not expand it again. An id this
  // gateway does not hold stays, for the normal path to refuse (or forward) as usual.
  if (conversation.expanded) delete fields.previous_response_id;
  const withInput = (input: Item[], extra: Partial<ModelRequest> = {}): ModelRequest => {
    const body = { ...fields, input };
    return { ...request, ...extra, body, rawBody: JSON.stringify(body) };
  };
  if (threshold === undefined || (await estimateTokens(request.body, rendered)) <= threshold) {
    return serve(rendered === conversation.items && !conversation.expanded ? request : withInput(rendered), deps);
  }
  const compaction = await compactConversation(withInput([...rendered, { type: "compaction_trigger" }]), deps, serve);
  if (compaction instanceof Response) return compaction;
  const { item } = compaction;
  return serve(withInput([...userMessagesOf(rendered), item], { leadingOutput: [item] }), deps);
}

async function estimateTokens(body: Record<string, unknown>, input: Item[]): Promise<number> {
  const estimators = await loadEstimators();
  return estimators.estimateInputTokens("openai-responses", { instructions: body.instructions, tools: body.tools, input });
}
