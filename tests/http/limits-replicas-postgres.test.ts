import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";

/**
 * T15 across replicas: two gateways on one PostgreSQL database share one key's $1.00 budget.
 * 200 concurrent $0.01 requests, half to each replica, admit exactly 100 between them: the
 * reservation is a conditional UPDATE on the shared row, not a check in either process.
 */
if (pgSkipReason) console.warn(`[skip] limits-replicas-postgres: ${pgSkipReason}`);

describe.skipIf(pgSkipReason !== null)("two replicas share one budget on PostgreSQL", () => {
  let database: TestDatabase;
  let mock: MockUpstream;
  let replicas: DatabaseGateway[] = [];
  let pricesDir: string;

  beforeAll(async () => {
    database = await createPgDatabase();
    mock = await startMockUpstream();
    // Each answer reports as many output tokens as max_tokens asked for, at $0.01 a token.
    mock.setResponder((request) =>
      request.path === "/v1/chat/completions"
        ? { delayMs: 5, json: { id: "c", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: request.body.max_tokens, total_tokens: 3 + request.body.max_tokens } } }
        : undefined,
    );
    pricesDir = mkdtempSync(join(tmpdir(), "gw-prices-"));
    const pricesFile = join(pricesDir, "prices.toml");
    writeFileSync(pricesFile, '[[prices]]\nmodel = "gpt-4o"\ninput = 0\noutput = 10000\n');
    const env = { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile };
    replicas = await Promise.all([startDatabaseGateway(database, mock, env), startDatabaseGateway(database, mock, env)]);
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await mock?.stop();
    await database?.drop();
    rmSync(pricesDir, { recursive: true, force: true });
  }, 60_000);

  test("200 concurrent requests over two replicas against $1.00: 100 accepted, overshoot 0", async () => {
    const store = replicas[0]!.store;
    const user = await store.users.create({ email: "shared@example.com", role: "gateway_user" });
    const issued = await issueApiKey(store, { userId: user.id, limits: { budgetMicroUsd: 1_000_000 } });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${replicas[i % 2]!.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${issued.token}` },
          body: JSON.stringify({ model: "gpt-4o", max_tokens: 1, messages: [{ role: "user", content: "spend" }] }),
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    for (const answer of answers) await answer.text();
    const acceptedBy = [0, 1].map((replica) => statuses.filter((status, i) => status === 200 && i % 2 === replica).length);
    expect(statuses.filter((status) => status === 200).length).toBe(100);
    expect(statuses.filter((status) => status === 429).length).toBe(100);
    // Both replicas took part (not one replica serving everything).
    expect(acceptedBy.every((count) => count > 0)).toBe(true);
    const rows = await store.usage.logs({ apiKeyId: issued.apiKey.id }, 1000);
    const spent = rows.reduce((sum, row) => sum + (row.costMicroUsd ?? 0), 0);
    expect(spent).toBe(1_000_000);
    expect((await store.apiKeys.get(issued.apiKey.id))!.spend).toMatchObject({ spentMicroUsd: 1_000_000, reservedMicroUsd: 0 });
    console.log(`T15 (two PostgreSQL replicas): 200 concurrent against $1 budget: accepted ${acceptedBy.join(" + ")}, overshoot $${((spent - 1_000_000) / 1e6).toFixed(2)}`);
  }, 60_000);
});
