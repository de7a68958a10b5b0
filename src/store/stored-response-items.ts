/**
 * The rows of `stored_response_items` one stored response gets: every item id it holds, so an
 * `item_reference` finds its record by exact id (src/responses-store/item-references.ts). Output
 * items by their id; input items by the id GET /v1/responses/{id}/input_items lists them under
 * (their own, or `msg_<response id>_<position>` for one the client sent without an id). An id
 * both in the output and in the input counts as output (where the gateway's own ids come from).
 */
import { outputItemsOf, withListingIds } from "../responses-store/items";
import { readStoredRequest } from "../responses-store/record";
import type { StoredResponseRecord } from "./types";

export interface StoredResponseItemRow {
  responseId: string;
  itemId: string;
  inOutput: boolean;
}

export function itemRowsOf(record: StoredResponseRecord): StoredResponseItemRow[] {
  const rows = new Map<string, StoredResponseItemRow>();
  for (const item of outputItemsOf(record.response)) {
    if (typeof item.id === "string" && item.id.length > 0) rows.set(item.id, { responseId: record.id, itemId: item.id, inOutput: true });
  }
  for (const item of withListingIds(record.id, readStoredRequest(record.request).input)) {
    const itemId = item.id as string;
    if (!rows.has(itemId)) rows.set(itemId, { responseId: record.id, itemId, inOutput: false });
  }
  return [...rows.values()];
}
