import { expect, test } from "bun:test";
import { readEveryUsagePage } from "../../../src/ledger/usage-pages";
import type { StoredUsageRow, UsageCursor, UsageFilter } from "../../../src/store/types";

/** A ledger of `count` rows, newest first, that records every query it is asked. */
function fakeLedger(count: number) {
  const rows = Array.from({ length: count }, (_, index) => ({ id: count - index, startedAt: new Date(1_000_000 + (count - index)) }) as StoredUsageRow);
  const queries: Array<{ limit: number; after?: UsageCursor }> = [];
  return {
    queries,
    usage: {
      async logs(_filter: UsageFilter, limit: number, after?: UsageCursor) {
        queries.push({ limit, after });
        const from = after ? rows.findIndex((row) => row.id === after.id) + 1 : 0;
        return rows.slice(from, from + limit);
      },
    },
  };
}

test("readEveryUsagePage reads every row once, a bounded page a query, each after the last page's cursor", async () => {
  const ledger = fakeLedger(25);
  const pages: number[][] = [];
  for await (const page of readEveryUsagePage(ledger.usage, {}, undefined, 10)) pages.push(page.map((row) => row.id));
  expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
  expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, index) => 25 - index));
  expect(ledger.queries.every((query) => query.limit === 10)).toBe(true);
  expect(ledger.queries[1]!.after).toMatchObject({ id: 16 });
});

test("a ledger that ends on a page boundary costs one empty query and yields no empty page", async () => {
  const ledger = fakeLedger(20);
  const sizes: number[] = [];
  for await (const page of readEveryUsagePage(ledger.usage, {}, undefined, 10)) sizes.push(page.length);
  expect(sizes).toEqual([10, 10]);
  expect(ledger.queries).toHaveLength(3);
});

test("an export stopped early (the client went away) asks for no further page", async () => {
  const ledger = fakeLedger(50);
  for await (const _page of readEveryUsagePage(ledger.usage, {}, undefined, 10)) break;
  expect(ledger.queries).toHaveLength(1);
});
