import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { parseExposition, sampleValue } from "../support/prometheus-text";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";

/** Who may scrape: the key check does not depend on the database dialect, so SQLite alone. */
describe("GET /metrics access (the gateway as gatewayd builds it, SQLite)", () => {
  let database: TestDatabase;
  let mock: MockUpstream;
  let gw: DatabaseGateway;
  let tokens: { member: string; admin: string; adminModelsOnly: string; scraper: string; revokedScraper: string };

  const scrape = (url: string, token?: string) => fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  async function expectRefusal(response: Response, status: 401 | 403): Promise<void> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { type: string; code: string | null; message: string } };
    // OpenAI's error shape, as on the model endpoints.
    expect(body.error.type).toBe(status === 401 ? "invalid_request_error" : "permission_error");
    if (status === 401) expect(body.error.code).toBe("invalid_api_key");
  }

  beforeAll(async () => {
    database = await createSqliteDatabase();
    mock = await startMockUpstream();
    gw = await startDatabaseGateway(database, mock);
    const store = gw.store;
    const member = await store.users.create({ email: "member@example.com", role: "gateway_user" });
    const ops = await store.users.create({ email: "ops@example.com", role: "gateway_admin" });
    const revoked = await issueApiKey(store, { userId: ops.id, scopes: ["metrics"] });
    await store.apiKeys.revoke(revoked.apiKey.id);
    tokens = {
      member: (await issueApiKey(store, { userId: member.id })).token,
      admin: (await issueApiKey(store, { userId: ops.id })).token,
      adminModelsOnly: (await issueApiKey(store, { userId: ops.id, scopes: ["models", "usage", "admin"] })).token,
      scraper: (await issueApiKey(store, { userId: ops.id, scopes: ["metrics"], name: "prometheus" })).token,
      revokedScraper: revoked.token,
    };
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
    await database?.drop();
  }, 60_000);

  test("auth on: no key 401, a bad or revoked key 401, a key without the metrics scope 403", async () => {
    await expectRefusal(await scrape(gw.url), 401);
    await expectRefusal(await scrape(gw.url, "tok_not-a-real-key-at-all-0000000000000000000"), 401);
    await expectRefusal(await scrape(gw.url, tokens.revokedScraper), 401);
    await expectRefusal(await scrape(gw.url, tokens.member), 403);
    await expectRefusal(await scrape(gw.url, tokens.adminModelsOnly), 403);
  });

  test("a metrics-only key scrapes and can do nothing else; an admin key without a scope list scrapes too", async () => {
    const chat = (token: string) =>
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }) });
    const answered = await chat(tokens.member);
    expect(answered.status).toBe(200);
    await answered.json();
    const refused = await chat(tokens.scraper);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("models scope");
    const usage = await fetch(`${gw.url}/api/v1/usage/summary`, { headers: { authorization: `Bearer ${tokens.scraper}` } });
    expect(usage.status).toBe(403);
    await usage.arrayBuffer();

    const response = await scrape(gw.url, tokens.scraper);
    expect(response.status).toBe(200);
    const metrics = parseExposition(await response.text());
    expect(sampleValue(metrics, "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "openai", model: "gpt-4o", status: "200" })).toBe(1);
    // The refusal is a ledger row too, so it is counted (under no provider).
    expect(sampleValue(metrics, "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "", model: "", status: "403" })).toBe(1);
    // The group-commit ledger says what it knows: its backlog, and whether the database refuses rows.
    expect(sampleValue(metrics, "tokligence_ledger_rows_pending")).toBe(0);
    expect(sampleValue(metrics, "tokligence_ledger_failing")).toBe(0);
    // Cost from the ledger's price table (the daemon passes it in).
    expect(sampleValue(metrics, "tokligence_cost_usd_total", { provider: "openai", model: "gpt-4o" })).toBeGreaterThan(0);
    expect((await scrape(gw.url, tokens.admin)).status).toBe(200);
  });

  test("the admin API issues a metrics-only key to an admin and refuses the scope for a gateway_user", async () => {
    const create = (userId: number, scopes: string[]) =>
      fetch(`${gw.url}/api/v1/admin/users/${userId}/api-keys`, { method: "POST", headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" }, body: JSON.stringify({ scopes, name: "prometheus" }) });
    const ops = (await gw.store.users.findByEmail("ops@example.com"))!;
    const member = (await gw.store.users.findByEmail("member@example.com"))!;
    const created = await create(ops.id, ["metrics"]);
    expect(created.status).toBe(201);
    const body = (await created.json()) as { token: string; api_key: { scopes: string[] } };
    expect(body.api_key.scopes).toEqual(["metrics"]);
    expect((await scrape(gw.url, body.token)).status).toBe(200);
    const refused = await create(member.id, ["metrics"]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("scope metrics is not allowed for a gateway_user");
  });

  // Each on a database of its own: a second gateway on the same SQLite file waits for the first's ledger journal.
  test("metrics.public = true: open without a key while the model endpoints still need one", async () => {
    const own = await createSqliteDatabase();
    const open = await startDatabaseGateway(own, mock, { TOKLIGENCE_METRICS__PUBLIC: "true" });
    try {
      expect((await scrape(open.url)).status).toBe(200);
      const chat = await fetch(`${open.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }) });
      expect(chat.status).toBe(401);
      await chat.arrayBuffer();
    } finally {
      await open.stop();
      await own.drop();
    }
  });

  test("auth off: open without a key", async () => {
    const own = await createSqliteDatabase();
    const off = await startDatabaseGateway(own, mock, { TOKLIGENCE_AUTH_DISABLED: "true" });
    try {
      const response = await scrape(off.url);
      expect(response.status).toBe(200);
      expect(parseExposition(await response.text()).types.get("tokligence_requests_total")).toBe("counter");
    } finally {
      await off.stop();
      await own.drop();
    }
  });
});
