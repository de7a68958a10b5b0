/**
 * Reading usage rows a page at a time on the (started_at, id) cursor, newest first, so an export
 * of a large ledger never holds more than one page: every matching row comes exactly once, also
 * where many share a millisecond.
 */
import type { StoredUsageRow, UsageCursor, UsageFilter, UsageRepository } from "../store/types";
import { encodeUsageCursor } from "./usage-query";

/** Rows a database query when every row is read: the API's largest page. */
export const EXPORT_PAGE_SIZE = 1000;

export interface UsagePage {
  rows: StoredUsageRow[];
  /** The cursor of the page after this one; null when this is the last. */
  nextCursor: string | null;
}

/** One page of `limit` rows after `after` (one row more is read to know whether another page follows). */
export async function readUsagePage(usage: Pick<UsageRepository, "logs">, filter: UsageFilter, limit: number, after: UsageCursor | undefined): Promise<UsagePage> {
  const rows = await usage.logs(filter, limit + 1, after);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeUsageCursor(page.at(-1)!) : null };
}

/** Every row from `after` on, one query of `pageSize` rows at a time; the caller decides what to hold. */
export async function* readEveryUsagePage(usage: Pick<UsageRepository, "logs">, filter: UsageFilter, after: UsageCursor | undefined, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<StoredUsageRow[]> {
  let cursor = after;
  for (;;) {
    const page = await usage.logs(filter, pageSize, cursor);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    const last = page.at(-1)!;
    cursor = { startedAt: last.startedAt, id: last.id };
  }
}
