import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { type RunningGateway, startGateway } from "../../src/gateway";
import type { Store } from "../../src/store/types";
import { databaseGatewayEnv } from "../support/database-gateway";
import { startDatabaseProxy, type TcpProxy } from "../support/tcp-proxy";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";
import { waitFor } from "../support/wait-for";

/**
 * Fail-static key checks through a hard PostgreSQL outage (connections closed, new ones
 * refused), auth on. Before: every authenticated request was a 503 for the whole outage, though
 * the ledger spill could have recorded it. Now a key this replica confirmed recently keeps
 * working and its rows spill and reach PostgreSQL exactly once after; a key never seen, a key
 * revoked (and checked since), and a key with a budget still get the 503. A second replica with
 * `auth.outage_grace_seconds = 0` behaves as before.
 */
if (pgSkipReason) console.warn(`[skip] fail-static-auth-postgres: ${pgSkipReason}`);

describe.skipIf(pgSkipReason !== null)("fail-static key checks while PostgreSQL is down", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let store: Store;
  const replicas: Array<{ gateway: RunningGateway; services: Awaited<ReturnType<typeof buildServices>>; dataDir: string }> = [];
  const keys: Record<"known" | "rated" | "budgeted" | "revoked" | "unseen", string> = { known: "", rated: "", budgeted: "", revoked: "", unseen: "" };
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    database = await createPgDatabase();
    const proxied = await startDatabaseProxy(database.options.databaseUrl!);
    proxy = proxied.proxy;
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    // Replica 0 with the default grace (900 s); replica 1 with fail-static off.
    for (const grace of [undefined, "0"]) {
      const dataDir = mkdtempSync(join(tmpdir(), "gw-fail-static-"));
      const env = databaseGatewayEnv({ ...database, options: { databaseUrl: proxied.url } }, undefined, { TOKLIGENCE_DATA_DIR: dataDir, TOKLIGENCE_AUTH__OUTAGE_GRACE_SECONDS: grace });
      const loaded = loadConfig({ configDir: "/nonexistent-config-dir", env });
      const services = await buildServices(loaded, grace === undefined ? logger : pino({ level: "silent" }));
      replicas.push({ gateway: startGateway(loaded.config, logger, services), services, dataDir });
    }
    store = await database.open();
    const user = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
    keys.known = (await issueApiKey(store, { userId: user.id })).token;
    // Three a minute: one used in the warm-up, two during the outage, the third refused by this replica's window.
    keys.rated = (await issueApiKey(store, { userId: user.id, limits: { rpmLimit: 3 } })).token;
    keys.budgeted = (await issueApiKey(store, { userId: user.id, limits: { budgetMicroUsd: 10_000_000 } })).token;
    const revoked = await issueApiKey(store, { userId: user.id });
    keys.revoked = revoked.token;
    keys.unseen = (await issueApiKey(store, { userId: user.id })).token;
    // Every key but `unseen` is used while the database answers; `revoked` is then revoked and refused once.
    for (const replica of replicas) for (const name of ["known", "rated", "budgeted", "revoked"] as const) expect((await chat(replica.gateway.url, keys[name], `warm-${name}`)).status).toBe(200);
    await store.apiKeys.revoke(revoked.apiKey.id);
    for (const replica of replicas) expect((await chat(replica.gateway.url, keys.revoked, "warm-revoked-refused")).status).toBe(401);
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore();
    for (const { gateway, services, dataDir } of replicas) {
      await gateway.stop(1000);
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await proxy?.stop();
    await database?.drop();
  }, 60_000);

  async function chat(url: string, token: string, clientRequestId: string) {
    const started = Date.now();
    const answer = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      signal: AbortSignal.timeout(10_000),
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": clientRequestId },
      body: JSON.stringify({ model: "loopback", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
    });
    const body = (await answer.json()) as { error?: { code?: string; message?: string } };
    return { status: answer.status, code: body.error?.code ?? null, message: body.error?.message ?? null, ms: Date.now() - started };
  }
  const rowCount = async (clientRequestId: string) => (await store.usage.logs({}, 1_000)).filter((row) => row.clientRequestId === clientRequestId).length;

  test("known keys keep working (rates still apply), the rest get 503; /readyz stays ready; every row arrives exactly once", async () => {
    const url = replicas[0]!.gateway.url;
    await proxy.cut();
    const answers: Record<string, Awaited<ReturnType<typeof chat>>> = {};
    let ready: Response;
    try {
      for (let i = 0; i < 3; i++) answers[`known-${i}`] = await chat(url, keys.known, `outage-known-${i}`);
      for (let i = 0; i < 3; i++) answers[`rated-${i}`] = await chat(url, keys.rated, `outage-rated-${i}`);
      answers.budgeted = await chat(url, keys.budgeted, "outage-budgeted");
      answers.revoked = await chat(url, keys.revoked, "outage-revoked");
      answers.unseen = await chat(url, keys.unseen, "outage-unseen");
      ready = await fetch(`${url}/readyz`);
    } finally {
      await proxy.restore();
    }
    for (const name of ["known-0", "known-1", "known-2", "rated-0", "rated-1"]) {
      expect({ name, status: answers[name]!.status }).toEqual({ name, status: 200 });
      expect(answers[name]!.ms).toBeLessThan(3_000);
    }
    // The limits came from memory with the key: its rate still holds.
    expect({ status: answers["rated-2"]!.status, code: answers["rated-2"]!.code }).toEqual({ status: 429, code: "rate_limit_exceeded" });
    for (const name of ["budgeted", "revoked", "unseen"]) expect({ name, status: answers[name]!.status, code: answers[name]!.code }).toEqual({ name, status: 503, code: "database_unavailable" });
    expect(answers.budgeted!.message).toContain("budget");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", degraded: "ledger_spilled" });

    const ids = ["known-0", "known-1", "known-2", "rated-0", "rated-1", "rated-2", "budgeted", "revoked", "unseen"].map((name) => `outage-${name}`);
    expect(await waitFor(async () => (await Promise.all(ids.map(rowCount))).every((count) => count === 1), 20_000)).toBe(true);
    expect(Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await rowCount(id)])))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    // One warning for the outage, not one per request; no key in any line.
    expect(lines.filter((line) => String(line.msg).startsWith("PostgreSQL unreachable for key checks"))).toHaveLength(1);
    for (const token of Object.values(keys)) expect(JSON.stringify(lines)).not.toContain(token.slice(12));
  }, 60_000);

  test("outage_grace_seconds = 0: as before, even a known key gets the 503 while the database is away", async () => {
    const url = replicas[1]!.gateway.url;
    await proxy.cut();
    let answer: Awaited<ReturnType<typeof chat>>;
    try {
      answer = await chat(url, keys.known, "no-grace");
    } finally {
      await proxy.restore();
    }
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: "database_unavailable" });
    expect(await waitFor(async () => (await rowCount("no-grace")) === 1, 20_000)).toBe(true);
  }, 60_000);
});
