import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * What a budget refusal tells the operator and the caller. It used to say the request "does not
 * fit in what is left of $1.00" giving the whole budget (not what is left), rounded to cents, so
 * a $0.00002 test budget read "$0.00" and a key with 10 cents left of $1 read "$1.00 left".
 *
 * Prices are the test's own: gpt-4o costs $0.01 per output token and nothing per input token,
 * so `max_tokens: N` reserves exactly N cents; the mock reports `max_tokens` output tokens.
 */
const CENT = 10_000; // micro-dollars

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`budget refusal message (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;
    let pricesDir: string;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      mock.setResponder((request) => {
        if (request.path !== "/v1/chat/completions") return undefined;
        const output = Number(request.body.max_tokens);
        return { json: { id: "chatcmpl-m", object: "chat.completion", created: 1, model: request.body.model, choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: output, total_tokens: 5 + output } } };
      });
      pricesDir = mkdtempSync(join(tmpdir(), "gw-prices-"));
      const pricesFile = join(pricesDir, "prices.toml");
      writeFileSync(pricesFile, '[[prices]]\nmodel = "gpt-4o"\ninput = 0\noutput = 10000\n');
      gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile });
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
      rmSync(pricesDir, { recursive: true, force: true });
    }, 60_000);

    let users = 0;
    async function userWith(keyBudgetMicroUsd: number | null, userBudgetMicroUsd: number | null) {
      users += 1;
      const user = await gw.store.users.create({ email: `message${users}@example.com`, role: "gateway_user", limits: { budgetMicroUsd: userBudgetMicroUsd } });
      return (await issueApiKey(gw.store, { userId: user.id, limits: { budgetMicroUsd: keyBudgetMicroUsd } })).token;
    }

    const chat = (token: string, maxTokens: number) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: "gpt-4o", max_tokens: maxTokens, messages: [{ role: "user", content: "spend" }] }),
      });
    const messageOf = async (answer: Response) => ((await answer.json()) as { error: { message: string } }).error.message;

    test("a key's refusal names what is left of its budget, not the budget itself", async () => {
      const token = await userWith(100 * CENT, null);
      const spent = await chat(token, 90);
      expect(spent.status).toBe(200);
      await spent.text();
      const refused = await chat(token, 20);
      expect(refused.status).toBe(429);
      expect(await messageOf(refused)).toBe(
        "API key budget exhausted: this request may cost up to $0.20 and only $0.10 is left of its $1.00 lifetime budget; retrying will not help unless an admin raises the budget",
      );
    });

    test("a user's refusal names the user's budget; amounts below a cent keep their digits", async () => {
      const token = await userWith(null, 20);
      const refused = await chat(token, 1);
      expect(refused.status).toBe(429);
      expect(await messageOf(refused)).toBe(
        "user budget exhausted: this request may cost up to $0.01 and only $0.00002 is left of its $0.00002 lifetime budget; retrying will not help unless an admin raises the budget",
      );
    });
  });
}
