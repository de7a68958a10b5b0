import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import type { Store } from "../../src/store/types";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { startDatabaseProxy, type TcpProxy } from "../support/tcp-proxy";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";
import { waitFor } from "../support/wait-for";

/**
 * A replica cut off from PostgreSQL by a partition: its pooled connections stay open but go
 * silent (no FIN, no RST). Without a deadline every request hung on its key lookup or ledger
 * row forever, /readyz kept saying ready, and the replica stayed hung after the network came
 * back. With `database.pg_silence_timeout_ms` the silent connections are closed: /readyz turns
 * 503, and once the network is back the replica serves again on fresh connections.
 */
if (pgSkipReason) console.warn(`[skip] database-partition-postgres: ${pgSkipReason}`);


describe.skipIf(pgSkipReason !== null)("a replica whose PostgreSQL connections go silent", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let replica: DatabaseGateway;
  let store: Store;
  let token: string;

  beforeAll(async () => {
    database = await createPgDatabase();
    const proxied = await startDatabaseProxy(database.options.databaseUrl!);
    proxy = proxied.proxy;
    replica = await startDatabaseGateway({ ...database, options: { databaseUrl: proxied.url } }, undefined, { TOKLIGENCE_DATABASE__PG_SILENCE_TIMEOUT_MS: "1000" });
    store = await database.open();
    const user = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
    token = (await issueApiKey(store, { userId: user.id })).token;
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore();
    await replica?.stop();
    await proxy?.stop();
    await database?.drop();
  }, 60_000);

  const chat = (signal?: AbortSignal) =>
    fetch(`${replica.url}/v1/chat/completions`, {
      method: "POST",
      signal,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "hi" }] }),
    });
  const readiness = async () => (await fetch(`${replica.url}/readyz`)).status;

  test("/readyz turns 503 during the partition, and the replica serves again after it", async () => {
    // Warm the pool: the connections that will go silent.
    for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200);
    proxy.freeze();
    const during = chat().catch(() => null);
    // The silent pooled connections are closed after 1 s; a fresh one that never completes its
    // start-up fails at postgres.js's 10 s connect_timeout: readiness turns within about that.
    expect(await waitFor(async () => (await readiness()) === 503, 20_000)).toBe(true);
    // The request sent during the partition is refused (retryable) while the partition lasts:
    // its ledger row is kept and retried, the answer does not wait for the network to come back.
    const answered = await Promise.race([during, Bun.sleep(15_000).then(() => "hung" as const)]);
    await proxy.restore();
    expect(answered).not.toBe("hung");
    expect((answered as Response).status).toBe(503);
    expect(await waitFor(async () => (await readiness()) === 200, 15_000)).toBe(true);
    const after = await chat(AbortSignal.timeout(10_000));
    expect(after.status).toBe(200);
  }, 60_000);
});
