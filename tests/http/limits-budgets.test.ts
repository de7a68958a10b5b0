import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import type { StoredUsageRow } from "../../src/store/types";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { defaultAnthropicEvents, type MockScript, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * Budgets per key and per user (reliability-anchors §2.12, test T15), on SQLite and
 * PostgreSQL: admission reserves the worst-case cost atomically, so 200 concurrent requests
 * against $1.00 at $0.01 each admit exactly 100 and spend never passes the budget; the end of
 * each request reconciles to its ledger row's cost and releases the rest, also when the
 * upstream fails, the client leaves, or the answer is a stream.
 *
 * Prices are the test's own: gpt-4o costs $0.01 per output token and nothing per input token,
 * so `max_tokens: N` reserves exactly N cents whatever the prompt estimate says; claude-sonnet-4
 * the same; "unpriced-model" has no price.
 */
const CENT = 10_000; // micro-dollars

/** Output tokens the mock reports: the request's `max_tokens` unless the test asks for fewer. */
let reportOutput: ((maxTokens: number) => number) | undefined;

function chatAnswer(body: Record<string, any>): MockScript {
  const output = (reportOutput ?? ((max) => max))(Number(body.max_tokens ?? body.max_completion_tokens ?? 1));
  const usage = { prompt_tokens: 5, completion_tokens: output, total_tokens: 5 + output };
  const base = { id: "chatcmpl-b", created: 1, model: body.model };
  if (body.stream) {
    return {
      intervalMs: 30,
      events: [
        { data: { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] } },
        ...["one ", "two ", "three ", "four ", "five"].map((word) => ({ data: { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: word }, finish_reason: null }] } })),
        { data: { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } },
        { data: { ...base, object: "chat.completion.chunk", choices: [], usage } },
        "data: [DONE]\n\n",
      ],
    };
  }
  return { json: { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage } };
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`budgets (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;
    let pricesDir: string;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      mock.setResponder((request) => {
        if (request.path === "/v1/chat/completions") return chatAnswer(request.body);
        // Claude streams slowly enough to see their reservations held.
        if (request.path === "/v1/messages" && request.body?.stream === true) return { intervalMs: 40, events: defaultAnthropicEvents(String(request.body.model), "one two three four five") };
        return undefined;
      });
      pricesDir = mkdtempSync(join(tmpdir(), "gw-prices-"));
      const pricesFile = join(pricesDir, "prices.toml");
      writeFileSync(pricesFile, '[[prices]]\nmodel = "gpt-4o"\ninput = 0\noutput = 10000\n\n[[prices]]\nmodel = "claude-sonnet-4*"\ninput = 0\noutput = 10000\n\n[[prices]]\nmodel = "gpt-4.1"\ninput = 100\noutput = 0\n\n[[prices]]\nmodel = "gpt-mystery"\ninput = 0\noutput = 10000\n');
      gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile });
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
      rmSync(pricesDir, { recursive: true, force: true });
    }, 60_000);

    let users = 0;
    /** A fresh user and key; `keyBudget`/`userBudget` in cents. */
    async function keyWith(keyBudget: number | null, userBudget: number | null = null) {
      users += 1;
      const user = await gw.store.users.create({ email: `budget${users}@example.com`, role: "gateway_user", limits: { budgetMicroUsd: userBudget === null ? null : userBudget * CENT } });
      const issued = await issueApiKey(gw.store, { userId: user.id, limits: { budgetMicroUsd: keyBudget === null ? null : keyBudget * CENT } });
      return { token: issued.token, keyId: issued.apiKey.id, userId: user.id };
    }

    const chat = (token: string, body: Record<string, unknown>, signal?: AbortSignal) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "spend" }], ...body }),
        signal,
      });

    const keySpend = async (keyId: number) => (await gw.store.apiKeys.get(keyId))!.spend;
    const rowsOf = async (keyId: number): Promise<StoredUsageRow[]> => gw.store.usage.logs({ apiKeyId: keyId }, 10_000);
    const ledgerCost = (rows: StoredUsageRow[]) => rows.reduce((sum, row) => sum + (row.costMicroUsd ?? 0), 0);

    test("T15: 200 concurrent $0.01 requests against a $1.00 key budget admit 100; spend ends at the budget, overshoot 0", async () => {
      const { token, keyId } = await keyWith(100);
      const answers = await Promise.all(Array.from({ length: 200 }, () => chat(token, { max_tokens: 1 })));
      const accepted = answers.filter((answer) => answer.status === 200).length;
      const refused = answers.filter((answer) => answer.status === 429);
      answers.splice(answers.indexOf(refused[0]!), 1); // its body is read below
      expect(accepted).toBe(100);
      expect(refused.length).toBe(100);
      const body = (await refused[0]!.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
      expect(refused[0]!.headers.get("x-should-retry")).toBe("false");
      for (const answer of answers) await answer.text();
      const spend = await keySpend(keyId);
      expect(spend.spentMicroUsd).toBe(100 * CENT);
      expect(spend.reservedMicroUsd).toBe(0);
      const rows = await rowsOf(keyId);
      expect(rows.length).toBe(200);
      expect(ledgerCost(rows)).toBe(100 * CENT); // overshoot 0
      expect(rows.filter((row) => row.status === 429 && row.errorCode === "budget_exceeded").length).toBe(100);
      console.log(`T15 (${dialectCase.dialect}): 200 concurrent against $1 budget: ${accepted} accepted, overshoot $${((ledgerCost(rows) - 100 * CENT) / 1e6).toFixed(2)}`);
    }, 60_000);

    test("the end reconciles to the ledger row's cost: 10 tokens used of 50 reserved charge 10 cents", async () => {
      const { token, keyId } = await keyWith(100);
      reportOutput = () => 10;
      try {
        const answer = await chat(token, { max_tokens: 50 });
        expect(answer.status).toBe(200);
        await answer.text();
      } finally {
        reportOutput = undefined;
      }
      expect(await keySpend(keyId)).toMatchObject({ spentMicroUsd: 10 * CENT, reservedMicroUsd: 0 });
      // 90 cents left: a 90-cent request fits, a 91-cent one does not.
      expect((await chat(token, { max_tokens: 91 })).status).toBe(429);
      const fits = await chat(token, { max_tokens: 90 });
      expect(fits.status).toBe(200);
      await fits.text();
      expect(ledgerCost(await rowsOf(keyId))).toBe(100 * CENT);
    });

    test("n > 1 reserves every choice's cap, and both Chat caps reserve the larger (the one upstreams and the translation obey)", async () => {
      const { token, keyId } = await keyWith(25);
      // 3 choices of up to 10 tokens each: 30 cents, more than the 25 left (upstream bills all three).
      const refused = await chat(token, { max_tokens: 10, n: 3 });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      // max_completion_tokens wins over max_tokens upstream: 50 cents may be spent, not 1.
      const both = await chat(token, { max_tokens: 1, max_completion_tokens: 50 });
      expect(both.status).toBe(429);
      await both.text();
      const fits = await chat(token, { max_tokens: 8, n: 3 });
      expect(fits.status).toBe(200);
      await fits.text();
      expect(await keySpend(keyId)).toMatchObject({ reservedMicroUsd: 0 });
    });

    test("previous_response_id: the stored history counts in the prompt estimate, not only the one-line body", async () => {
      // gpt-4.1 here: 0.01 cent per input token, output free. A ~20k-token conversation is stored first, without a budget.
      const { token, keyId } = await keyWith(null);
      const responses = (body: Record<string, unknown>) =>
        fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ model: "gpt-4.1", ...body }) });
      const first = await responses({ input: "word ".repeat(20_000) });
      expect(first.status).toBe(200);
      const { id } = (await first.json()) as { id: string };
      await gw.store.apiKeys.update(keyId, { limits: { budgetMicroUsd: 100 * CENT } });
      // Continuing it sends those ~20k tokens again (~$2): more than the dollar left.
      const refused = await responses({ previous_response_id: id, input: "go on" });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      const fresh = await responses({ input: "go on" });
      expect(fresh.status).toBe(200);
      await fresh.text();
    });

    test("an upstream failure releases the reservation (its row cost nothing)", async () => {
      const { token, keyId } = await keyWith(100);
      mock.enqueue({ status: 400, json: { error: { message: "bad", type: "invalid_request_error", param: null, code: null } } });
      const failed = await chat(token, { max_tokens: 60 });
      expect(failed.status).toBe(400);
      await failed.text();
      expect(await keySpend(keyId)).toMatchObject({ spentMicroUsd: 0, reservedMicroUsd: 0 });
      const again = await chat(token, { max_tokens: 60 });
      expect(again.status).toBe(200);
      await again.text();
    });

    test("a stream holds its reservation (from max_tokens) until its end, then is reconciled", async () => {
      const { token, keyId } = await keyWith(100);
      reportOutput = () => 7;
      try {
        const answer = await chat(token, { max_tokens: 40, stream: true });
        expect(answer.status).toBe(200);
        const reader = answer.body!.getReader();
        await reader.read();
        expect(await keySpend(keyId)).toMatchObject({ reservedMicroUsd: 40 * CENT });
        while (!(await reader.read()).done);
      } finally {
        reportOutput = undefined;
      }
      expect(await keySpend(keyId)).toMatchObject({ spentMicroUsd: 7 * CENT, reservedMicroUsd: 0 });
    });

    test("a client that leaves mid-stream releases the reservation and is charged what its row says", async () => {
      const { token, keyId } = await keyWith(100);
      const controller = new AbortController();
      const answer = await chat(token, { max_tokens: 80, stream: true }, controller.signal);
      const reader = answer.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => {});
      let rows: StoredUsageRow[] = [];
      for (let i = 0; i < 300 && rows.length === 0; i++) {
        rows = await rowsOf(keyId);
        if (rows.length === 0) await Bun.sleep(10);
      }
      expect(rows[0]!.errorCode).toBe("client_closed");
      let spend = await keySpend(keyId);
      for (let i = 0; i < 100 && spend.reservedMicroUsd !== 0; i++) (await Bun.sleep(10), (spend = await keySpend(keyId)));
      expect(spend).toMatchObject({ reservedMicroUsd: 0, spentMicroUsd: rows[0]!.costMicroUsd ?? 0 });
      expect(spend.spentMicroUsd).toBeLessThan(80 * CENT);
    });

    test("a user budget covers all the user's keys together; refusals are rows on the key and the user", async () => {
      const { token, userId } = await keyWith(null, 30);
      const second = await issueApiKey(gw.store, { userId });
      expect((await chat(token, { max_tokens: 20 })).status).toBe(200);
      const refused = await chat(second.token, { max_tokens: 20 });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("user budget exhausted");
      expect((await gw.store.users.get(userId))!.spend).toMatchObject({ spentMicroUsd: 20 * CENT, reservedMicroUsd: 0 });
      const rows = await rowsOf(second.apiKey.id);
      expect(rows.map((row) => [row.status, row.errorCode, row.userId])).toEqual([[429, "budget_exceeded", userId]]);
    });

    test("Anthropic clients get a rate_limit_error shaped 429 that says not to retry", async () => {
      const { token } = await keyWith(5);
      const answer = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": token, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "spend" }] }),
      });
      expect(answer.status).toBe(429);
      expect(answer.headers.get("x-should-retry")).toBe("false");
      const body = (await answer.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("rate_limit_error");
      expect(body.error.message).toContain("budget exhausted");
    });

    test("a model without a price is refused for a key with a budget (403 model_not_priced), and served for one without", async () => {
      const limited = await keyWith(100);
      const refused = await chat(limited.token, { model: "gpt-unpriced-model", max_tokens: 1 });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("model_not_priced");
      const free = await keyWith(null);
      const served = await chat(free.token, { model: "gpt-unpriced-model", max_tokens: 1 });
      expect(served.status).toBe(200);
      await served.text();
    });

    test("a request without an output cap reserves its model's largest output (gpt-4o: 16,384 tokens), the configured default only for a model nobody knows", async () => {
      const { token, keyId } = await keyWith(20_000);
      for (const [model, tokens] of [["gpt-4o", 16_384], ["gpt-mystery", 8192]] as const) {
        const answer = await chat(token, { model, stream: true });
        const reader = answer.body!.getReader();
        await reader.read();
        expect(await keySpend(keyId)).toMatchObject({ reservedMicroUsd: tokens * CENT });
        while (!(await reader.read()).done);
      }
      // $200 left is less than two uncapped gpt-4o choices ($327.68): refused before any is spent.
      expect((await chat(token, { n: 2 })).status).toBe(429);
    });

    test("an uncapped Responses request translated to Claude reserves the max_tokens translation sends (8,192, or room for the thinking asked), not the model's 128,000", async () => {
      const responses = (token: string, body: Record<string, unknown>) =>
        fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ model: "claude-sonnet-4-6", input: "spend", stream: true, ...body }) });
      const sentMaxTokens = () => mock.requests.filter((request) => request.path === "/v1/messages").map((request) => request.body.max_tokens);
      // A user with $170 left: 8,192 tokens ($81.92) fit twice, 128,000 ($1,280) not once.
      const { token, userId } = await keyWith(null, 17_000);
      const userSpend = async () => (await gw.store.users.get(userId))!.spend;
      const sentBefore = sentMaxTokens().length;
      const first = await responses(token, {});
      const second = await responses(token, {});
      expect([first.status, second.status]).toEqual([200, 200]);
      const readers = [first.body!.getReader(), second.body!.getReader()];
      for (const reader of readers) await reader.read();
      expect(await userSpend()).toMatchObject({ reservedMicroUsd: 2 * 8192 * CENT });
      expect(sentMaxTokens().slice(sentBefore)).toEqual([8192, 8192]);
      // A third does not fit beside them ($245.76 > $170).
      const third = await responses(token, {});
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      for (const reader of readers) while (!(await reader.read()).done);
      expect(await userSpend()).toMatchObject({ reservedMicroUsd: 0 });

      // Codex's reasoning effort: translation raises max_tokens to the thinking budget (high: 24,576) plus 4,096 for the answer.
      const thinking = await keyWith(30_000);
      const answer = await responses(thinking.token, { reasoning: { effort: "high" } });
      expect(answer.status).toBe(200);
      const reader = answer.body!.getReader();
      await reader.read();
      expect(await keySpend(thinking.keyId)).toMatchObject({ reservedMicroUsd: 28_672 * CENT });
      expect(sentMaxTokens().at(-1)).toBe(28_672);
      while (!(await reader.read()).done);
      expect(await keySpend(thinking.keyId)).toMatchObject({ reservedMicroUsd: 0 });
    });

    test("an absurd output cap is refused as over budget (429), not a database error: the amount stays in the counters' range", async () => {
      const { token, keyId } = await keyWith(100);
      for (const max_tokens of [1e17, 1e300]) {
        const answer = await chat(token, { max_tokens });
        expect(answer.status).toBe(429);
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      }
      expect(await keySpend(keyId)).toMatchObject({ spentMicroUsd: 0, reservedMicroUsd: 0 });
    });

    test("a monthly budget counts only this month's spend; a request without max_tokens reserves its model's largest output", async () => {
      const { token, keyId } = await keyWith(null);
      await gw.store.apiKeys.update(keyId, { limits: { budgetMicroUsd: 100 * CENT, budgetPeriod: "monthly" } });
      // gpt-4o's largest output is 16,384 tokens = $163.84 here: more than the dollar left.
      const refused = await chat(token, {});
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { message: string } };
      expect(body.error.message).toContain("monthly budget resets");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    const messageOf = async (answer: Response) => ((await answer.json()) as { error: { message: string } }).error.message;

    test("a key's refusal names what is left of its budget, not the budget itself", async () => {
      const { token } = await keyWith(100);
      const spent = await chat(token, { max_tokens: 90 });
      expect(spent.status).toBe(200);
      await spent.text();
      const refused = await chat(token, { max_tokens: 20 });
      expect(refused.status).toBe(429);
      expect(await messageOf(refused)).toBe(
        "API key budget exhausted: this request may cost up to $0.20 and only $0.10 is left of its $1.00 lifetime budget; retrying will not help unless an admin raises the budget",
      );
    });

    test("a user's refusal names the user's budget; amounts below a cent keep their digits", async () => {
      const { token } = await keyWith(null, 0.002); // 20 micro-dollars
      const refused = await chat(token, { max_tokens: 1 });
      expect(refused.status).toBe(429);
      expect(await messageOf(refused)).toBe(
        "user budget exhausted: this request may cost up to $0.01 and only $0.00002 is left of its $0.00002 lifetime budget; retrying will not help unless an admin raises the budget",
      );
    });
  });
}

describe("reservations left by a gateway that died", () => {
  test("SQLite: the next gateway on the file releases them at start, so the budget is usable again", async () => {
    const { createSqliteDatabase } = await import("../support/test-databases");
    const database = await createSqliteDatabase();
    try {
      const store = await database.openMigrated();
      const user = await store.users.create({ email: "crashed@example.com", role: "gateway_user" });
      const issued = await issueApiKey(store, { userId: user.id, limits: { budgetMicroUsd: 100 * CENT } });
      // What a process killed mid-request leaves: the whole budget reserved, the reservation live for an hour.
      const held = await store.budgets.reserve({ id: "req_dead", apiKeyId: issued.apiKey.id, userId: user.id, keyMicroUsd: 100 * CENT, userMicroUsd: 0, keyPeriodStart: new Date(0), userPeriodStart: new Date(0), now: new Date(), expiresAt: new Date(Date.now() + 3_600_000) });
      expect(held.ok).toBe(true);
      await store.close();
      const gw = await startDatabaseGateway(database, undefined);
      try {
        let spend = (await gw.store.apiKeys.get(issued.apiKey.id))!.spend;
        for (let i = 0; i < 100 && spend.reservedMicroUsd !== 0; i++) (await Bun.sleep(10), (spend = (await gw.store.apiKeys.get(issued.apiKey.id))!.spend));
        expect(spend.reservedMicroUsd).toBe(0);
      } finally {
        await gw.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
