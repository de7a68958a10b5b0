/**
 * Responses API items as the store keeps and lists them. Input is normalised the way OpenAI
 * lists it (a bare string becomes a user message, "easy" messages get `type` and typed content)
 * so a stored conversation replays as valid input to any upstream, native or translated.
 */
import { GatewayError } from "../errors/gateway-error";

export type Item = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The client's `input` as a list of items (unknown shapes are kept: the decoder judges them). */
export function normaliseInputItems(input: unknown): Item[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }];
  if (!Array.isArray(input)) return [];
  return input.map((raw) => {
    if (!isRecord(raw)) return raw as Item;
    const type = typeof raw.type === "string" ? raw.type : "message";
    if (type !== "message") return raw;
    const role = typeof raw.role === "string" ? raw.role : "user";
    const content =
      typeof raw.content === "string" ? [{ type: role === "assistant" ? "output_text" : "input_text", text: raw.content, ...(role === "assistant" ? { annotations: [] } : {}) }] : raw.content;
    return { ...raw, type, role, content };
  });
}

/** The output items of a stored response object, to replay as input on the next turn. */
export function outputItemsOf(response: Record<string, unknown>): Item[] {
  return Array.isArray(response.output) ? response.output.filter(isRecord) : [];
}

/** Whether an item has an id of its own (else the listing gives it one). */
export function hasOwnId(item: Item): boolean {
  return typeof item?.id === "string" && item.id.length > 0;
}

/**
 * Items get stable ids for listing and `after` cursors: their own, else one derived from the
 * response id and position. An item_reference may name such an id (stored-response-items.ts
 * indexes them; the 0003 migration's backfill derives them the same way in SQL).
 */
export function withListingIds(responseId: string, items: Item[]): Item[] {
  return items.map((item, index) => {
    if (hasOwnId(item)) return item;
    const prefix = item?.type === "message" ? "msg" : "item";
    return { id: `${prefix}_${responseId}_${index}`, ...item };
  });
}

export interface ListQuery {
  order: "asc" | "desc";
  limit: number;
  after?: string;
}

/** `?order=asc|desc&limit=1..100&after=<item id>` as OpenAI takes them (defaults desc, 20); bad values → 400. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const order = params.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw new GatewayError("invalid_request", 400, `Invalid 'order': '${order}'. Expected 'asc' or 'desc'.`, { param: "order" });
  const rawLimit = params.get("limit");
  const limit = rawLimit === null ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new GatewayError("invalid_request", 400, `Invalid 'limit': '${rawLimit}'. Expected an integer from 1 to 100.`, { param: "limit" });
  }
  const after = params.get("after") ?? undefined;
  return { order, limit, ...(after ? { after } : {}) };
}

/** OpenAI's list shape: `{object: "list", data, first_id, last_id, has_more}`. */
export function paginateItems(items: Item[], query: ListQuery): Record<string, unknown> {
  const ordered = query.order === "asc" ? items : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const position = ordered.findIndex((item) => item.id === query.after);
    if (position === -1) throw new GatewayError("invalid_request", 400, `Invalid 'after': no input item with id '${query.after}' in this response.`, { param: "after" });
    start = position + 1;
  }
  const data = ordered.slice(start, start + query.limit);
  return {
    object: "list",
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data[data.length - 1]?.id as string | undefined) ?? null,
    has_more: start + query.limit < ordered.length,
  };
}
