import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { toUsageRow } from "../../../src/ledger/to-usage-row";
import { openStore } from "../../../src/store/open-store";
import type { Store } from "../../../src/store/types";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { startDatabaseProxy, type TcpProxy } from "../../support/tcp-proxy";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../../support/test-databases";

/**
 * The PostgreSQL pool around a blip (a connection cut and restored, through a test proxy).
 * Closing it used to take postgres.js's whole end() timeout (5 s) once a query had been cut
 * under it (close-pg-pool.ts), and after a few dozen failed attempts its default reconnect
 * backoff made each connection wait 10–20 s before trying again, so the first queries after
 * the database came back hung that long (pg-reconnect.ts).
 */
describe.skipIf(pgSkipReason !== null)("a PostgreSQL pool after a connection cut", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let url: string;

  beforeAll(async () => {
    database = await createPgDatabase();
    await (await database.openMigrated()).close();
    ({ proxy, url } = await startDatabaseProxy(database.options.databaseUrl!));
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await database?.drop();
  }, 30_000);

  /** Milliseconds `work` took; a bound keeps a regression from hanging the test. */
  async function timed(work: Promise<unknown>, boundMs: number): Promise<number> {
    const started = performance.now();
    await Promise.race([work.catch(() => {}), Bun.sleep(boundMs)]);
    return performance.now() - started;
  }

  test("closing the pool after a query was cut under it is prompt (it waited out 5 s)", async () => {
    const store = await openStore({ databaseUrl: url });
    await store.users.list();
    // Frozen, the query is sent but never answered; the cut then closes its connection under it.
    proxy.freeze();
    const cutQuery = store.users.list().then(() => "answered", (error) => (error as { cause?: { code?: string } }).cause?.code);
    await Bun.sleep(100);
    await proxy.cut();
    expect(await cutQuery).toBe("CONNECTION_CLOSED");
    await proxy.restore();
    expect(await store.users.list()).toBeArray();
    expect(await timed(store.close(), 6_000)).toBeLessThan(1_000);
  }, 30_000);

  test("a write still running when the pool closes gets to finish: its row is in the table", async () => {
    const store = await openStore({ databaseUrl: url });
    await store.users.list();
    // Another session holds the table, so the insert is still waiting when close() begins.
    const other = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    const locked = other.begin(async (sql) => {
      await sql`LOCK TABLE usage_entries IN EXCLUSIVE MODE`;
      await Bun.sleep(800);
    });
    await Bun.sleep(100);
    const row = toUsageRow(makeLedgerEntry({ requestId: "req_pool_close_waits" }), null, new Date());
    const insert = store.usage.insertBatch([row]);
    await Bun.sleep(100);
    const closing = timed(store.close(), 6_000);
    await insert;
    await locked;
    expect(await closing).toBeGreaterThan(400);
    const [found] = await other`SELECT request_id FROM usage_entries WHERE request_id = 'req_pool_close_waits'`;
    expect(found?.request_id).toBe("req_pool_close_waits");
    await other.end();
  }, 30_000);

  test("many failed attempts during an outage: each fails within a second, and the first query after it is prompt", async () => {
    const store: Store = await openStore({ databaseUrl: url, pgMaxConnections: 2 });
    await store.users.list();
    await proxy.cut();
    try {
      // Every key check and ledger retry of an outage is such an attempt; the pool's shared
      // failure count made postgres.js's default backoff grow to 10–20 s per connection.
      for (let attempt = 0; attempt < 12; attempt++) expect(await timed(store.users.list(), 3_000)).toBeLessThan(1_000);
    } finally {
      await proxy.restore();
    }
    expect(await timed(store.users.list(), 15_000)).toBeLessThan(1_000);
    expect(await store.users.list()).toBeArray();
    await store.close();
  }, 60_000);
});
