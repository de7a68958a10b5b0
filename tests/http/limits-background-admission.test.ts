import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, mockUsage, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";
import { waitFor } from "../support/wait-for";

/**
 * A background response from a key over its budget or rate is refused up front with the 429 the
 * same request gets in the foreground (OpenAI error shape, retry-after where a wait helps), with
 * its ledger row, and nothing is queued. On a Claude route the run used to be queued and then
 * fail with the refusal, so the client got `queued` for a request that never had a chance. The
 * run of an admitted request is admitted once: a 1-request-per-minute key still gets its run.
 */
const polling = { firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 300 };

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`background responses under limits are admitted before queueing (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5,bg-gpt=>openai:gpt-5" }, { background: new BackgroundRuns(polling) });
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
    }, 60_000);

    let users = 0;
    const keyWith = async (limits: Parameters<typeof issueApiKey>[1]["limits"]) => {
      const user = await gw.store.users.create({ email: `bg-admit${++users}-${dialectCase.dialect}@example.com`, role: "gateway_user" });
      return issueApiKey(gw.store, { userId: user.id, limits });
    };
    const post = (token: string, body: Record<string, unknown>) =>
      fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ background: true, input: "work", ...body }) });
    const get = async (token: string, id: string) => (await fetch(`${gw.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{ status: string }>;
    const upstreamCalls = (path: string) => mock.requests.filter((request) => request.path === path).length;

    test("Claude route, over budget: 429 budget_exceeded at once, its row, no model call, nothing queued", async () => {
      const { token, apiKey } = await keyWith({ budgetMicroUsd: 1 });
      const calls = upstreamCalls("/v1/messages");
      const refused = await post(token, { model: "bg-claude", max_output_tokens: 1000 });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("x-should-retry")).toBe("false");
      const body = (await refused.json()) as { id?: string; error: { type: string; code: string } };
      expect(body.id).toBeUndefined();
      expect(body.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
      await Bun.sleep(100); // a queued run would have called the upstream by now
      expect(upstreamCalls("/v1/messages")).toBe(calls);
      const rows = await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10);
      expect(rows).toHaveLength(1);
      expect(rows[0]!).toMatchObject({ status: 429, errorCode: "budget_exceeded", modelRequested: "bg-claude" });
      expect((await gw.store.apiKeys.get(apiKey.id))!.spend.reservedMicroUsd).toBe(0);
    }, 30_000);

    test("Claude route, one request per minute: the run is admitted once and completes; the next one is 429 rate_limit_exceeded with retry-after", async () => {
      const { token, apiKey } = await keyWith({ rpmLimit: 1 });
      const queued = await post(token, { model: "bg-claude" });
      expect(queued.status).toBe(200);
      const { id } = (await queued.json()) as { id: string };
      expect(await waitFor(async () => (await get(token, id)).status === "completed", 10_000)).toBe(true);
      const refused = await post(token, { model: "bg-claude" });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
      const rows = await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10);
      expect(rows.map((row) => [row.status, row.errorCode]).sort()).toEqual([
        [200, null],
        [429, "rate_limit_exceeded"],
      ]);
    }, 30_000);

    test("Claude route under a budget that fits: the reservation made before queueing is settled to the run's cost", async () => {
      const { token, apiKey } = await keyWith({ budgetMicroUsd: 1_000_000 });
      const queued = await post(token, { model: "bg-claude", max_output_tokens: 100 });
      expect(queued.status).toBe(200);
      const { id } = (await queued.json()) as { id: string };
      expect(await waitFor(async () => (await get(token, id)).status === "completed", 10_000)).toBe(true);
      expect(await waitFor(async () => (await gw.store.apiKeys.get(apiKey.id))!.spend.reservedMicroUsd === 0, 5_000)).toBe(true);
      const rows = await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10);
      expect(rows).toHaveLength(1);
      expect((await gw.store.apiKeys.get(apiKey.id))!.spend.spentMicroUsd).toBe(rows[0]!.costMicroUsd!);
    }, 30_000);

    test("Claude route, a run that fails after admission (unknown previous_response_id): it holds no reservation", async () => {
      const { token, apiKey } = await keyWith({ budgetMicroUsd: 1_000_000 });
      const queued = await post(token, { model: "bg-claude", max_output_tokens: 100, previous_response_id: "resp_unknown" });
      // The id is checked by the run (as before): it fails, and holds nothing.
      if (queued.status === 200) {
        const { id } = (await queued.json()) as { id: string };
        expect(await waitFor(async () => (await get(token, id)).status === "failed", 10_000)).toBe(true);
      } else await queued.text();
      expect(await waitFor(async () => (await gw.store.apiKeys.get(apiKey.id))!.spend.reservedMicroUsd === 0, 5_000)).toBe(true);
    }, 30_000);

    test("native OpenAI route, one request per minute: the second is 429 with retry-after, its row, and never reaches OpenAI", async () => {
      const { token, apiKey } = await keyWith({ rpmLimit: 1 });
      const queued = await post(token, { model: "bg-gpt" });
      expect(queued.status).toBe(200);
      expect(((await queued.json()) as { status: string }).status).toBe("queued");
      const calls = upstreamCalls("/v1/responses");
      const refused = await post(token, { model: "bg-gpt" });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
      expect(upstreamCalls("/v1/responses")).toBe(calls);
      expect(await waitFor(async () => (await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10)).length === 2, 10_000)).toBe(true);
      const rows = await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10);
      expect(rows.find((row) => row.status === 429)).toMatchObject({ errorCode: "rate_limit_exceeded", modelRequested: "bg-gpt" });
      expect(rows.find((row) => row.status === 200)).toMatchObject({ completionTokens: mockUsage.output, usageEstimated: false });
    }, 30_000);
  });
}
