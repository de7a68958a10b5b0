import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { toUsageRow } from "../../../src/ledger/to-usage-row";
import { parsePriceTable } from "../../../src/ledger/price-table";
import { sqliteMigrations } from "../../../src/store/migrations/embedded";
import { migrateSqlite } from "../../../src/store/migrations/run-migrations";
import * as sqliteSchema from "../../../src/store/schema/sqlite";
import { createSqliteBatchInsert } from "../../../src/store/sqlite-batch-insert";
import type { UsageRow } from "../../../src/store/types";
import { makeLedgerEntry } from "../../support/ledger-entries";

/** The cached-statement ledger insert must store exactly what drizzle's own insert stores. */
const prices = parsePriceTable(`[[prices]]\nmodel = "gpt-4o"\ninput = 2.5\noutput = 10`);

function openMigrated() {
  const client = new Database(":memory:", { strict: true });
  migrateSqlite(client, sqliteMigrations);
  const insert = createSqliteBatchInsert<UsageRow>(client, sqliteSchema.usageEntries, sqliteSchema.usageEntries.requestId);
  return { client, insert, db: drizzle({ client, schema: sqliteSchema }) };
}

const rawRows = (client: Database) => client.query("select * from usage_entries order by id").all() as Array<Record<string, unknown>>;

describe("SQLite cached-statement batch insert", () => {
  test("stores every column exactly as drizzle's insert does (booleans, timestamps, nulls, cost)", async () => {
    const { client, insert, db } = openMigrated();
    const entry = makeLedgerEntry({ stream: true, usageEstimated: true, ttftMs: 42, errorCode: "upstream_error", userId: 7, apiKeyId: null, startedAt: new Date("2025-03-04T10:00:00.123Z") });
    const createdAt = new Date("2025-03-04T10:00:01.456Z");
    const viaDrizzle = toUsageRow(entry, prices, createdAt);
    const viaFastPath = { ...viaDrizzle, requestId: `${viaDrizzle.requestId}-fast` };
    await db.insert(sqliteSchema.usageEntries).values(viaDrizzle);
    insert([viaFastPath]);
    const [drizzleRow, fastRow] = rawRows(client);
    expect(fastRow).toEqual({ ...drizzleRow, id: fastRow!.id, request_id: viaFastPath.requestId });
    expect(fastRow).toMatchObject({ stream: 1, usage_estimated: 1, started_at: 1741082400123, created_at: 1741082401456, api_key_id: null, ttft_ms: 42 });
  });

  test("a batch is one transaction: duplicates are skipped, a bad row rolls the whole batch back", () => {
    const { client, insert } = openMigrated();
    const rows = [makeLedgerEntry(), makeLedgerEntry(), makeLedgerEntry()].map((entry) => toUsageRow(entry, prices, new Date()));
    insert(rows);
    insert([rows[0]!, rows[1]!]); // a retried batch after an ambiguous failure: no double count
    expect(rawRows(client)).toHaveLength(3);

    const fresh = toUsageRow(makeLedgerEntry(), prices, new Date());
    const broken = { ...toUsageRow(makeLedgerEntry(), prices, new Date()), endpoint: null } as unknown as UsageRow; // NOT NULL column
    expect(() => insert([fresh, broken])).toThrow();
    expect(rawRows(client).map((row) => row.request_id)).not.toContain(fresh.requestId);
  });
});
