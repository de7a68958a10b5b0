import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { createPgDatabase, createSqliteDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";
import { closedPort, dropRedisPrefix, openTestRedis, redisSkipReason, TEST_REDIS_URL, uniqueRedisPrefix } from "../support/test-redis";
import { waitFor } from "../support/wait-for";

/**
 * Rate limits across replicas (README "Users, keys and the ledger", *Rates*): two gateways on
 * one database and one Redis (limits.redis_url) share each key's and user's RPM and TPM windows,
 * so a limit is the gateway's, not each replica's: rpm 3 over two replicas admits 3, and the 4th
 * request, to either, is 429 `rate_limit_exceeded` with retry-after and its ledger row. With
 * Redis unreachable (a closed port) requests are still served and refused as before, the limit
 * then held by each replica on its own. On PostgreSQL when it answers (the team deployment),
 * else on one SQLite file.
 */
if (redisSkipReason) console.warn(`[skip] limits-replicas-redis: ${redisSkipReason}`);

describe.skipIf(redisSkipReason !== null)(`two replicas share rate limits through Redis (${pgSkipReason ? "sqlite" : "postgres"})`, () => {
  let database: TestDatabase;
  let mock: MockUpstream;
  let redis: RedisClient;
  let replicas: DatabaseGateway[] = [];
  let apart: DatabaseGateway[] = [];
  const keyPrefix = uniqueRedisPrefix("http");

  beforeAll(async () => {
    database = pgSkipReason ? await createSqliteDatabase() : await createPgDatabase();
    mock = await startMockUpstream();
    redis = await openTestRedis();
    // A generous timeout: this test is about sharing, and a busy CI machine must not fall back.
    const shared = { TOKLIGENCE_REDIS_URL: TEST_REDIS_URL, TOKLIGENCE_LIMITS__REDIS_KEY_PREFIX: keyPrefix, TOKLIGENCE_LIMITS__REDIS_TIMEOUT_MS: "2000" };
    replicas = [await startDatabaseGateway(database, mock, shared), await startDatabaseGateway(database, mock, shared)];
    const unreachable = { TOKLIGENCE_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, TOKLIGENCE_LIMITS__REDIS_KEY_PREFIX: keyPrefix };
    apart = [await startDatabaseGateway(database, mock, unreachable), await startDatabaseGateway(database, mock, unreachable)];
  }, 60_000);

  afterAll(async () => {
    for (const replica of [...replicas, ...apart]) await replica.stop();
    await mock?.stop();
    await database?.drop();
    if (redis) {
      await dropRedisPrefix(redis, keyPrefix);
      redis.close();
    }
  }, 60_000);

  let users = 0;
  const store = () => replicas[0]!.store;
  const newUser = (limits?: Parameters<DatabaseGateway["store"]["users"]["create"]>[0]["limits"]) => store().users.create({ email: `redis-rate${++users}@example.com`, role: "gateway_user", limits });

  const chat = (replica: DatabaseGateway, token: string) =>
    fetch(`${replica.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
  const statusOf = async (answer: Response) => (await answer.text(), answer.status);

  test("rpm 3 over two replicas: three served, the 4th and 5th (to either replica) 429 with retry-after, each with its row", async () => {
    const user = await newUser();
    const issued = await issueApiKey(store(), { userId: user.id, limits: { rpmLimit: 3 } });
    const [a, b] = replicas as [DatabaseGateway, DatabaseGateway];
    expect([await statusOf(await chat(a, issued.token)), await statusOf(await chat(b, issued.token)), await statusOf(await chat(a, issued.token))]).toEqual([200, 200, 200]);
    for (const replica of [b, a]) {
      const refused = await chat(replica, issued.token);
      expect(refused.status).toBe(429);
      const wait = Number(refused.headers.get("retry-after"));
      expect(wait).toBeGreaterThanOrEqual(55);
      expect(wait).toBeLessThanOrEqual(60);
      const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("rate_limit_exceeded");
      expect(error.message).toStartWith("API key request rate limit reached (3 requests per minute)");
    }
    const rows = await store().usage.logs({ apiKeyId: issued.apiKey.id }, 100);
    expect(rows.map((row) => row.status).sort()).toEqual([200, 200, 200, 429, 429]);
  });

  test("30 concurrent requests over both replicas against 10 per minute: exactly 10 served", async () => {
    const user = await newUser();
    const issued = await issueApiKey(store(), { userId: user.id, limits: { rpmLimit: 10 } });
    const statuses = await Promise.all(Array.from({ length: 30 }, async (_, i) => statusOf(await chat(replicas[i % 2]!, issued.token))));
    expect([statuses.filter((status) => status === 200).length, statuses.filter((status) => status === 429).length]).toEqual([10, 20]);
  });

  test("a user's limit covers its keys on every replica; Anthropic clients get rate_limit_error", async () => {
    const user = await newUser({ rpmLimit: 2 });
    const first = await issueApiKey(store(), { userId: user.id });
    const second = await issueApiKey(store(), { userId: user.id });
    expect(await statusOf(await chat(replicas[0]!, first.token))).toBe(200);
    expect(await statusOf(await chat(replicas[1]!, second.token))).toBe(200);
    const refused = await fetch(`${replicas[0]!.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": second.token, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: "rate_limit_error", message: expect.stringContaining("user request rate limit") });
  });

  test("tpm 30: tokens finished on one replica count on the other; both refuse once the minute's requests used it", async () => {
    const user = await newUser();
    // The mock reports 11 input + 7 output tokens per answer: 18 per request.
    const issued = await issueApiKey(store(), { userId: user.id, limits: { tpmLimit: 30 } });
    const tokenSum = async () => Number(await redis.send("GET", [`${keyPrefix}rate:k:${issued.apiKey.id}:token-sum`]));
    expect(await statusOf(await chat(replicas[0]!, issued.token))).toBe(200);
    // Tokens are added when the request ends, without holding up its answer.
    expect(await waitFor(async () => (await tokenSum()) === 18, 5_000)).toBe(true);
    expect(await statusOf(await chat(replicas[1]!, issued.token))).toBe(200);
    expect(await waitFor(async () => (await tokenSum()) === 36, 5_000)).toBe(true);
    for (const replica of replicas) {
      const refused = await chat(replica, issued.token);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toStartWith("API key token rate limit reached (30 tokens per minute)");
    }
  });

  test("a key without limits never reaches Redis", async () => {
    const user = await newUser();
    const issued = await issueApiKey(store(), { userId: user.id });
    const statuses = await Promise.all(Array.from({ length: 10 }, async (_, i) => statusOf(await chat(replicas[i % 2]!, issued.token))));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const [, keys] = (await redis.send("SCAN", ["0", "MATCH", `${keyPrefix}rate:k:${issued.apiKey.id}:*`, "COUNT", "100000"])) as [string, string[]];
    expect(keys).toEqual([]);
  });

  test("Redis on a closed port: requests are still served at once, the limit held by each replica on its own, every row written", async () => {
    const user = await newUser();
    const issued = await issueApiKey(store(), { userId: user.id, limits: { rpmLimit: 2 } });
    const started = performance.now();
    const statuses: number[][] = [];
    for (const replica of apart) statuses.push([await statusOf(await chat(replica, issued.token)), await statusOf(await chat(replica, issued.token)), await statusOf(await chat(replica, issued.token))]);
    expect(statuses).toEqual([
      [200, 200, 429],
      [200, 200, 429],
    ]);
    expect(performance.now() - started).toBeLessThan(5_000);
    const rows = await store().usage.logs({ apiKeyId: issued.apiKey.id }, 100);
    expect(rows.length).toBe(6);
    expect(rows.filter((row) => row.status === 429 && row.errorCode === "rate_limit_exceeded").length).toBe(2);
  });
});
