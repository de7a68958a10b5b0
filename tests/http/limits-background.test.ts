import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, mockUsage, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";
import { waitFor } from "../support/wait-for";

/**
 * A native OpenAI background response under a budget: the creating call answers `queued` at
 * once while the run goes on at the upstream, so its budget reservation must stay held until
 * the run ends (also across a gateway restart) and be settled then to the final row's cost.
 * It used to be settled with the queued answer's estimate and released at once: the run's real
 * cost never reached the budget, and any number of runs could be started on a nearly spent key.
 *
 * Prices: gpt-5 costs $0.01 per output token and nothing for input, so `max_output_tokens: N`
 * reserves N cents and the mock's final usage (7 output tokens) costs 7 cents.
 */
const CENT = 10_000;
const polling = { firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 300 };

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`native background responses under a budget (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;
    let pricesDir: string;
    let env: Record<string, string>;
    const start = () => startDatabaseGateway(database, mock, env, { background: new BackgroundRuns(polling) });

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      pricesDir = mkdtempSync(join(tmpdir(), "gw-prices-"));
      const pricesFile = join(pricesDir, "prices.toml");
      writeFileSync(pricesFile, '[[prices]]\nmodel = "gpt-5"\ninput = 0\noutput = 10000\n');
      env = { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile, TOKLIGENCE_MODEL_ALIASES: "bg-gpt=>openai:gpt-5" };
      gw = await start();
    }, 60_000);

    afterAll(async () => {
      mock.background.hold = false;
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
      rmSync(pricesDir, { recursive: true, force: true });
    }, 60_000);

    const post = (token: string, body: Record<string, unknown>) =>
      fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ model: "bg-gpt", background: true, input: "work", ...body }) });

    test("the reservation is held until the run ends, across a restart, then settled to the run's final cost", async () => {
      const user = await gw.store.users.create({ email: `bg-budget-${dialectCase.dialect}@example.com`, role: "gateway_user" });
      const { token, apiKey } = await issueApiKey(gw.store, { userId: user.id, limits: { budgetMicroUsd: 100 * CENT } });
      const spend = async () => (await gw.store.apiKeys.get(apiKey.id))!.spend;
      mock.background.hold = true;
      try {
        const queued = await post(token, { max_output_tokens: 60 });
        expect(queued.status).toBe(200);
        expect(((await queued.json()) as { status: string }).status).toBe("queued");
        // Still running at the upstream: its worst case stays reserved, so a second one does not fit.
        expect(await spend()).toMatchObject({ reservedMicroUsd: 60 * CENT, spentMicroUsd: 0 });
        const refused = await post(token, { max_output_tokens: 60 });
        expect(refused.status).toBe(429);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");

        // A restart does not release it (on SQLite the start releases only dead requests' reservations).
        await gw.stop();
        gw = await start();
        await Bun.sleep(100);
        expect(await spend()).toMatchObject({ reservedMicroUsd: 60 * CENT, spentMicroUsd: 0 });
      } finally {
        mock.background.hold = false;
      }
      // Followed again by the new process: the run ends, its row has the final usage, the budget its cost.
      expect(await waitFor(async () => (await spend()).reservedMicroUsd === 0, 10_000)).toBe(true);
      const rows = await gw.store.usage.logs({ apiKeyId: apiKey.id }, 100);
      const served = rows.filter((row) => row.status === 200);
      expect(served).toHaveLength(1);
      expect(served[0]!).toMatchObject({ completionTokens: mockUsage.output, usageEstimated: false });
      expect(await spend()).toMatchObject({ spentMicroUsd: mockUsage.output * CENT, reservedMicroUsd: 0 });
      expect(rows.reduce((sum, row) => sum + (row.costMicroUsd ?? 0), 0)).toBe(mockUsage.output * CENT);
    }, 30_000);

    // TPM: the run's final tokens enter the window when its row is written, not the `queued`
    // answer's estimate at creation (which has no output: the window used to see a few tokens,
    // or none at all under a budget, for a run that used many).
    for (const [name, limits] of [
      ["a token rate alone", { tpmLimit: mockUsage.input + mockUsage.output }],
      ["a token rate and a budget", { tpmLimit: mockUsage.input + mockUsage.output, budgetMicroUsd: 100 * CENT }],
    ] as const) {
      test(`tokens per minute count the run's final tokens when it ends (${name})`, async () => {
        const user = await gw.store.users.create({ email: `bg-tpm-${limits.budgetMicroUsd ?? 0}-${dialectCase.dialect}@example.com`, role: "gateway_user" });
        const { token, apiKey } = await issueApiKey(gw.store, { userId: user.id, limits });
        const queued = await post(token, { max_output_tokens: 60 });
        expect(queued.status).toBe(200);
        await queued.text();
        const settled = async () => (await gw.store.usage.logs({ apiKeyId: apiKey.id }, 10)).some((row) => row.status === 200 && row.completionTokens === mockUsage.output);
        expect(await waitFor(settled, 10_000)).toBe(true);
        const refused = await post(token, { max_output_tokens: 60 });
        expect(refused.status).toBe(429);
        expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "rate_limit_exceeded", message: expect.stringContaining("token rate limit") });
      }, 30_000);
    }

    test("a run that ends within its answer (a stream read to its end) is settled at once", async () => {
      const user = await gw.store.users.create({ email: `bg-budget-stream-${dialectCase.dialect}@example.com`, role: "gateway_user" });
      const { token, apiKey } = await issueApiKey(gw.store, { userId: user.id, limits: { budgetMicroUsd: 100 * CENT } });
      const answer = await post(token, { max_output_tokens: 60, stream: true });
      expect(answer.status).toBe(200);
      await answer.text();
      expect(await waitFor(async () => (await gw.store.apiKeys.get(apiKey.id))!.spend.reservedMicroUsd === 0, 10_000)).toBe(true);
      expect((await gw.store.apiKeys.get(apiKey.id))!.spend).toMatchObject({ spentMicroUsd: mockUsage.output * CENT });
    }, 30_000);
  });
}
