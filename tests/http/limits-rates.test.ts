import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * Rate limits per key and per user (T15's second half): a burst against a 10-requests-per-minute
 * key admits 10 and refuses the rest with 429 rate_limit_exceeded and a retry-after that says
 * when a slot frees, each refusal with its ledger row; TPM refuses once the minute's tokens are
 * used. A key without limits is not held back at all.
 */
for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`rate limits (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      gw = await startDatabaseGateway(database, mock);
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
    }, 60_000);

    let users = 0;
    const newUser = async (limits: Parameters<typeof gw.store.users.create>[0]["limits"] = undefined) => gw.store.users.create({ email: `rate${++users}@example.com`, role: "gateway_user", limits });

    const chat = (token: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
      });

    test("a burst of 30 against 10 requests per minute: 10 served, 20 refused with retry-after, each refusal a row", async () => {
      const user = await newUser();
      const issued = await issueApiKey(gw.store, { userId: user.id, limits: { rpmLimit: 10 } });
      const answers = await Promise.all(Array.from({ length: 30 }, () => chat(issued.token)));
      const served = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status === 429);
      expect([served.length, refused.length]).toEqual([10, 20]);
      for (const answer of refused) {
        const wait = Number(answer.headers.get("retry-after"));
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(60);
        expect(answer.headers.get("x-should-retry")).toBeNull();
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
      }
      for (const answer of served) await answer.text();
      const rows = await gw.store.usage.logs({ apiKeyId: issued.apiKey.id }, 100);
      expect(rows.length).toBe(30);
      expect(rows.filter((row) => row.status === 429 && row.errorCode === "rate_limit_exceeded" && row.userId === user.id).length).toBe(20);
    });

    test("a user's limit covers all its keys; Anthropic clients get rate_limit_error", async () => {
      const user = await newUser({ rpmLimit: 2 });
      const first = await issueApiKey(gw.store, { userId: user.id });
      const second = await issueApiKey(gw.store, { userId: user.id });
      expect((await chat(first.token)).status).toBe(200);
      expect((await chat(second.token)).status).toBe(200);
      const refused = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": first.token, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: "rate_limit_error", message: expect.stringContaining("user request rate limit") });
    });

    test("tokens per minute: refused once the minute's finished requests used the allowance", async () => {
      const user = await newUser();
      // The mock reports 11 input + 7 output tokens per answer: 18 per request.
      const issued = await issueApiKey(gw.store, { userId: user.id, limits: { tpmLimit: 30 } });
      for (let i = 0; i < 2; i++) {
        const answer = await chat(issued.token);
        expect(answer.status).toBe(200);
        await answer.text();
      }
      const refused = await chat(issued.token);
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error.message).toContain("30 tokens per minute");
      // OpenAI's type for a tokens-per-minute refusal is "tokens" (for requests per minute "requests"); it said "requests" here.
      expect(body.error).toMatchObject({ type: "tokens", code: "rate_limit_exceeded" });
    });

    test("a key without limits is not limited, and its requests never reach the limits code (the hot path stays as it was)", async () => {
      const user = await newUser();
      const issued = await issueApiKey(gw.store, { userId: user.id });
      const limits = gw.gateway.proxy.limits!;
      const admit = limits.admit.bind(limits);
      let admissions = 0;
      limits.admit = (...args) => (admissions++, admit(...args));
      try {
        const answers = await Promise.all(Array.from({ length: 40 }, () => chat(issued.token)));
        expect(answers.every((answer) => answer.status === 200)).toBe(true);
        for (const answer of answers) await answer.text();
      } finally {
        limits.admit = admit;
      }
      expect(admissions).toBe(0);
    });
  });
}
