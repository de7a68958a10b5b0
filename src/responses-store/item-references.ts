/**
 * `item_reference` input items (`{"type":"item_reference","id":"msg_…"}`): a client that keeps
 * responses (`store` true, the Vercel AI SDK among others) names earlier output items (messages,
 * function calls, reasoning) by id instead of sending them again. OpenAI resolves its own ids; for
 * the routes this gateway serves itself, it resolves them from the responses it stored for the
 * same owner (the visibility rule of previous_response_id), and an id it does not hold is a 400.
 */
import { GatewayError } from "../errors/gateway-error";
import { itemReferenceNotFound } from "../protocols/openai-responses/history";
import type { StoredResponseRecord } from "../store/types";
import { hasOwnId, type Item, outputItemsOf, withListingIds } from "./items";
import { readStoredRequest } from "./record";

/** One referenced item as the gateway holds it. */
export interface ReferencedItem {
  item: Item;
  /**
   * Whether this gateway wrote it: output of a response it served itself (Claude, a Chat model,
   * loopback). A native OpenAI route forwards the other references for OpenAI to resolve.
   */
  minted: boolean;
}

export type ReferencedItems = Map<string, ReferencedItem>;

/**
 * How references are replaced: `all` (a route the gateway serves itself: an unknown id is a
 * 400), `minted` (a native OpenAI route: only the gateway's own ids), `found` (whatever is held,
 * the rest kept: what a record or an estimate shows).
 */
export type ReferenceMode = "all" | "minted" | "found";

function isReference(item: unknown): item is { type: "item_reference"; id?: unknown } {
  return typeof item === "object" && item !== null && (item as { type?: unknown }).type === "item_reference";
}

/** The ids a Responses `input` references, each once (none for a string input). */
export function referencedIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids = new Set<string>();
  for (const item of input) if (isReference(item) && typeof item.id === "string" && item.id !== "") ids.add(item.id);
  return [...ids];
}

/**
 * The referenced items found in `records` (the caller's own, newest first). An item in a
 * response's output wins over a copy in a later request's input (which is how a conversation
 * repeats earlier turns); reasoning items get their replay blob back (record.ts `reasoning`).
 */
export function findReferencedItems(ids: string[], records: StoredResponseRecord[]): ReferencedItems {
  const wanted = new Set(ids);
  const found: ReferencedItems = new Map();
  const take = (id: unknown, item: Item, blobs: Record<string, string> | undefined, minted: boolean) => {
    if (typeof id !== "string" || !wanted.has(id) || found.has(id)) return;
    const blob = item.type === "reasoning" && typeof item.encrypted_content !== "string" ? blobs?.[id] : undefined;
    found.set(id, { item: blob ? { ...item, encrypted_content: blob } : item, minted });
  };
  const stored = records.map((record) => ({ record, request: readStoredRequest(record.request) }));
  for (const { record, request } of stored) for (const item of outputItemsOf(record.response)) take(item.id, item, request.reasoning, request.native_upstream !== true);
  for (const { record, request } of stored) {
    // An input item the client sent without an id is named by the id input_items lists it under,
    // which only this gateway knows (minted); it stands in as it was sent, without that id.
    const listed = withListingIds(record.id, request.input);
    request.input.forEach((item, index) => take(listed[index]!.id, item, request.reasoning, !hasOwnId(item)));
  }
  return found;
}

/** `items` with their references replaced as `mode` says; the same array when nothing changes. */
export function replaceItemReferences(items: Item[], found: ReferencedItems, mode: ReferenceMode): Item[] {
  if (!items.some(isReference)) return items;
  return items.map((item) => {
    if (!isReference(item)) return item;
    const id = typeof item.id === "string" ? item.id : "";
    const held = found.get(id);
    if (held && (mode !== "minted" || held.minted)) return held.item;
    if (mode === "all") throw itemReferenceNotFound(id);
    return item;
  });
}

/**
 * `items` as they are, unless two carry the same id: OpenAI refuses that (400 "Duplicate item
 * found with id …", what the Vercel AI SDK met sending item_reference items for turns
 * previous_response_id already carries). Expanded for Claude or a Chat model, the second copy of
 * a function call became a second tool call under a made-up id with no result, which the
 * upstream refused or the model answered.
 */
export function withoutDuplicateItems(items: Item[]): Item[] {
  const seen = new Set<string>();
  for (const item of items) {
    const id = item?.id;
    if (typeof id !== "string" || id === "" || isReference(item)) continue;
    if (seen.has(id)) throw new GatewayError("invalid_request", 400, `Duplicate item found with id ${id}. Remove duplicate items from your input and try again.`, { param: "input" });
    seen.add(id);
  }
  return items;
}
