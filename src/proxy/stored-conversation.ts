/**
 * The whole conversation a Responses request stands for: the history this gateway stored behind
 * its `previous_response_id` (input and output of that turn, self-contained, see
 * responses-store/record.ts), then its own input. For the features that must look at the whole
 * conversation before the normal path expands it (compaction); an id the gateway does not hold
 * is left to that path, which refuses it or forwards it to OpenAI.
 */
import { GatewayError } from "../errors/gateway-error";
import { isRecord } from "../protocols/wire-values";
import { type Item, normaliseInputItems, outputItemsOf } from "../responses-store/items";
import { readStoredRequest } from "../responses-store/record";
import { databaseUnavailableError, isDatabaseUnreachable } from "../store/database-unreachable";
import type { ModelRequest, ProxyDeps } from "./types";

export interface Conversation {
  items: Item[];
  /** Whether stored history was put in front of the request's own input. */
  expanded: boolean;
}

export async function conversationOf(request: ModelRequest, deps: ProxyDeps): Promise<Conversation> {
  const own = normaliseInputItems(request.body.input);
  // The features reading the conversation look at each item's type and role before the decoder
  // sees the request: an item that is no object is refused here as the decoder would refuse it
  // (decode-input.ts), not read as one (a null item was a 500).
  const notObject = own.findIndex((item) => !isRecord(item));
  if (notObject >= 0) throw new GatewayError("invalid_request", 400, `input[${notObject}] must be an object`, { param: `input[${notObject}]` });
  const previousId = request.body.previous_response_id;
  if (typeof previousId !== "string" || previousId === "" || !deps.responses) return { items: own, expanded: false };
  let record;
  try {
    record = await deps.responses.get(previousId, request.principal.userId);
  } catch (error) {
    // The database away or silent past the request bound: a retryable 503 (logged by the request's handler), as in the response store's own lookup.
    if (isDatabaseUnreachable(error)) throw databaseUnavailableError("the gateway cannot reach its database to read previous_response_id; try again shortly", error);
    deps.logger.error({ err: error, requestId: request.requestId }, "reading a stored response failed");
    throw new GatewayError("internal_error", 500, "the gateway could not read its stored responses; try again");
  }
  if (!record) return { items: own, expanded: false };
  const stored = readStoredRequest(record.request);
  if (stored.upstream_previous_response_id) return { items: own, expanded: false };
  const items = [...stored.input, ...outputItemsOf(record.response), ...own];
  return { items: stored.reasoning ? withReasoningBlobs(items, stored.reasoning) : items, expanded: true };
}

/** Reasoning items the client got without their replay blob get it back (Claude's signed thinking, as responses-store/exchange.ts does). */
function withReasoningBlobs(items: Item[], blobs: Record<string, string>): Item[] {
  return items.map((item) => {
    if (item.type !== "reasoning" || typeof item.id !== "string" || typeof item.encrypted_content === "string") return item;
    const blob = blobs[item.id];
    return blob ? { ...item, encrypted_content: blob } : item;
  });
}

/** The user messages of a conversation, which compaction keeps as they are (OpenAI's compacted output lists them). */
export function userMessagesOf(items: Item[]): Item[] {
  return items.filter((item) => item.type === "message" && item.role === "user");
}
