/**
 * A new gateway request id: `req_` and a UUIDv7 in hex. Time-ordered, so the ledger's unique
 * index on request_id grows at its right edge: random ids touched a random B-tree page per row,
 * which measured 55 µs per committed row against 30 µs in order.
 */
export function newRequestId(): string {
  return `req_${Bun.randomUUIDv7().replaceAll("-", "")}`;
}
