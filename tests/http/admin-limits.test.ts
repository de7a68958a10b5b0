import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { createAdminRoutes } from "../../src/http/routes/admin";
import { createUsageRoutes } from "../../src/http/routes/usage";
import { createLedgerSink } from "../../src/ledger/ledger-sink";
import { parsePriceTable } from "../../src/ledger/price-table";
import type { Store, User } from "../../src/store/types";
import { makeLedgerEntry } from "../support/ledger-entries";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * Limits through the admin API (set at creation and later, validated, listed with the spend of
 * the current period) and a key holder's own budget through the usage API.
 */
for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`limits in the admin and usage API (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let store: Store;
    let app: { handle(request: Request): Promise<Response> };
    let root: User;
    let adminToken: string;

    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await app.handle(
        new Request(`http://localhost${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      root = await store.users.ensureRootAdmin("admin@local");
      adminToken = (await issueApiKey(store, { userId: root.id })).token;
      const auth = createAuthenticator(store, { required: true });
      app = new Elysia().use(createAdminRoutes({ store, auth })).use(createUsageRoutes({ store, auth }));
    });
    afterAll(async () => database.drop());

    test("a user created with a monthly budget and limits lists them, with nothing spent yet", async () => {
      const created = await call("POST", "/api/v1/admin/users", adminToken, { email: "capped@example.com", budget_usd: 25.5, budget_period: "monthly", rpm_limit: 60, tpm_limit: 100000 });
      expect(created.status).toBe(201);
      expect(created.body.user.limits).toEqual({ budget_usd: 25.5, budget_period: "monthly", rpm_limit: 60, tpm_limit: 100000 });
      expect(created.body.user.budget).toMatchObject({ period: "monthly", budget_micro_usd: 25_500_000, spent_micro_usd: 0, reserved_micro_usd: 0, remaining_micro_usd: 25_500_000 });
      expect(Date.parse(created.body.user.budget.resets_at)).toBeGreaterThan(Date.now());
      const listed = await call("GET", "/api/v1/admin/users", adminToken);
      expect(listed.body.users.find((user: { email: string }) => user.email === "capped@example.com").limits.budget_usd).toBe(25.5);
    });

    test("bad limit values and unknown fields are 400s naming the field; nothing is changed", async () => {
      const user = await store.users.create({ email: "valid@example.com", role: "gateway_user" });
      for (const [body, param] of [
        [{ budget_usd: -1 }, "budget_usd"],
        [{ budget_usd: "10" }, "budget_usd"],
        [{ budget_usd: 1e12 }, "budget_usd"],
        [{ budget_period: "weekly" }, "budget_period"],
        [{ rpm_limit: 0 }, "rpm_limit"],
        [{ rpm_limit: 1.5 }, "rpm_limit"],
        [{ tpm_limit: "lots" }, "tpm_limit"],
        [{ budget: 10 }, "budget"],
        [{ max_budget: 10 }, "max_budget"],
      ] as const) {
        const answer = await call("PATCH", `/api/v1/admin/users/${user.id}`, adminToken, body);
        expect([answer.status, answer.body.error.param]).toEqual([400, param]);
        const keyAnswer = await call("POST", `/api/v1/admin/users/${user.id}/api-keys`, adminToken, body);
        expect([keyAnswer.status, keyAnswer.body.error.param]).toEqual([400, param]);
      }
      expect((await store.users.get(user.id))!.limits.budgetMicroUsd).toBeNull();
      expect(await store.apiKeys.listForUser(user.id)).toEqual([]);
    });

    test("a key gets limits at creation, changed and cleared with PATCH; a budget set later counts this period's ledger spend", async () => {
      const user = await store.users.create({ email: "keyed@example.com", role: "gateway_user" });
      const created = await call("POST", `/api/v1/admin/users/${user.id}/api-keys`, adminToken, { name: "ci", rpm_limit: 10 });
      expect(created.status).toBe(201);
      const keyId = created.body.api_key.id as number;
      expect(created.body.api_key.limits).toEqual({ budget_usd: null, budget_period: null, rpm_limit: 10, tpm_limit: null });
      expect(created.body.api_key.budget).toBeNull();
      // Spend before any budget: in the ledger only.
      const sink = createLedgerSink(store, { prices: parsePriceTable('[[prices]]\nmodel = "gpt-4o"\ninput = 1\noutput = 1\n'), maxDelayMs: 0 });
      await sink.record(makeLedgerEntry({ requestId: "req_before_budget", userId: user.id, apiKeyId: keyId, modelRequested: "gpt-4o", usage: { inputTokens: 1_000_000, outputTokens: 500_000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } }));
      await sink.close();
      const patched = await call("PATCH", `/api/v1/admin/api-keys/${keyId}`, adminToken, { budget_usd: 2, budget_period: "lifetime", rpm_limit: null });
      expect(patched.status).toBe(200);
      expect(patched.body.api_key.limits).toEqual({ budget_usd: 2, budget_period: "lifetime", rpm_limit: null, tpm_limit: null });
      expect(patched.body.api_key.budget).toMatchObject({ period: "lifetime", spent_micro_usd: 1_500_000, remaining_micro_usd: 500_000, resets_at: null });
      // Raising the budget keeps the spend; clearing it removes the budget view.
      expect((await call("PATCH", `/api/v1/admin/api-keys/${keyId}`, adminToken, { budget_usd: 3 })).body.api_key.budget.remaining_micro_usd).toBe(1_500_000);
      const listed = await call("GET", `/api/v1/admin/users/${user.id}/api-keys`, adminToken);
      expect(listed.body.api_keys[0].budget.spent_usd).toBe(1.5);
      expect((await call("PATCH", `/api/v1/admin/api-keys/${keyId}`, adminToken, { budget_usd: null })).body.api_key.budget).toBeNull();
      expect((await call("PATCH", `/api/v1/admin/api-keys/${keyId}`, adminToken, { scopes: ["admin"] })).status).toBe(400);
      expect((await call("PATCH", "/api/v1/admin/api-keys/99999", adminToken, { budget_usd: 1 })).status).toBe(404);
    });

    test("a key holder reads its own remaining budget through the usage API, and only its own", async () => {
      const user = await store.users.create({ email: "reader@example.com", role: "gateway_user", limits: { budgetMicroUsd: 10_000_000, budgetPeriod: "daily" } });
      const issued = await issueApiKey(store, { userId: user.id, limits: { budgetMicroUsd: 1_000_000 } });
      const own = await call("GET", "/api/v1/usage/budget", issued.token);
      expect(own.status).toBe(200);
      expect(own.body.api_key).toMatchObject({ id: issued.apiKey.id, limits: { budget_usd: 1, budget_period: "lifetime" }, budget: { remaining_micro_usd: 1_000_000 } });
      expect(own.body.user).toMatchObject({ id: user.id, limits: { budget_usd: 10, budget_period: "daily" }, budget: { period: "daily", remaining_usd: 10 } });
      expect((await call("GET", "/api/v1/usage/budget?user_id=1", issued.token)).status).toBe(400);
      const usageless = await issueApiKey(store, { userId: user.id, scopes: ["models"] });
      expect((await call("GET", "/api/v1/usage/budget", usageless.token)).status).toBe(403);
    });
  });
}
