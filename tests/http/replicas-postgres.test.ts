import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";

/**
 * The scale-out path: two gateway replicas started together on one PostgreSQL database (their
 * migrations race and must not collide), then used as one gateway. A key revoked through one
 * replica is refused by the other at once, both replicas' ledger rows add up in either's usage
 * API, and a stored response created on one is continued on the other.
 */
if (pgSkipReason) console.warn(`[skip] replicas-postgres: ${pgSkipReason}`);

describe.skipIf(pgSkipReason !== null)("two replicas on one PostgreSQL database", () => {
  let database: TestDatabase;
  let replicas: DatabaseGateway[] = [];
  let adminToken: string;
  let userToken: string;
  let userKeyId: number;

  beforeAll(async () => {
    database = await createPgDatabase();
    replicas = await Promise.all([startDatabaseGateway(database, undefined), startDatabaseGateway(database, undefined)]);
    const store = replicas[0]!.store;
    const admin = await store.users.create({ email: "ops@example.com", role: "gateway_admin" });
    const user = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
    adminToken = (await issueApiKey(store, { userId: admin.id })).token;
    const issued = await issueApiKey(store, { userId: user.id });
    userToken = issued.token;
    userKeyId = issued.apiKey.id;
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await database?.drop();
  }, 60_000);

  const chat = (replica: DatabaseGateway, token: string, requestId: string) =>
    fetch(`${replica.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": requestId },
      body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: `hello from ${requestId}` }] }),
    });

  const getJson = async (replica: DatabaseGateway, path: string, token: string) => {
    const response = await fetch(`${replica.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, any>;
  };

  test("both replicas serve, and each one's usage API sees the other's ledger rows", async () => {
    for (let i = 0; i < 6; i++) expect((await chat(replicas[i % 2]!, userToken, `replica-req-${i}`)).status).toBe(200);
    for (const replica of replicas) {
      const mine = await getJson(replica, "/api/v1/usage/logs?limit=50", userToken);
      // The test chose the ids (X-Request-ID): rows keep them as client_request_id.
      const ids = (mine.entries as Array<{ client_request_id: string }>).map((row) => row.client_request_id).sort();
      expect(ids).toEqual([0, 1, 2, 3, 4, 5].map((i) => `replica-req-${i}`));
      const summary = await getJson(replica, "/api/v1/usage/summary", userToken);
      expect(summary.totals.requests).toBe(6);
    }
    const across = await getJson(replicas[1]!, "/api/v1/admin/usage/summary", adminToken);
    expect(across.totals.requests).toBeGreaterThanOrEqual(6);
  });

  test("a key revoked through one replica is refused by the other at once", async () => {
    expect((await chat(replicas[1]!, userToken, "before-revoke")).status).toBe(200);
    const revoked = await fetch(`${replicas[0]!.url}/api/v1/admin/api-keys/${userKeyId}`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } });
    expect(revoked.status).toBe(204);
    const refused = await chat(replicas[1]!, userToken, "after-revoke");
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
  });

  test("a response stored by one replica is continued on the other (previous_response_id)", async () => {
    const create = (replica: DatabaseGateway, body: Record<string, unknown>) =>
      fetch(`${replica.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ model: "loopback", ...body }),
      });
    const first = (await (await create(replicas[0]!, { input: "remember the word: walnut" })).json()) as { id: string };
    const second = await create(replicas[1]!, { input: "what was the word?", previous_response_id: first.id });
    expect(second.status).toBe(200);
    const secondBody = (await second.json()) as { id: string; previous_response_id: string };
    expect(secondBody.previous_response_id).toBe(first.id);
    const items = await getJson(replicas[0]!, `/v1/responses/${secondBody.id}/input_items?order=asc`, adminToken);
    const texts = JSON.stringify(items.data);
    expect(texts).toContain("walnut");
    expect(texts).toContain("what was the word?");
  });
});
