import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { RedisLink, RedisUnavailableError } from "../../../src/limits/redis-link";
import { openTestRedis, redisSkipReason, TEST_REDIS_URL } from "../../support/test-redis";
import { waitFor } from "../../support/wait-for";

/**
 * The link's outage bookkeeping (redis-link.ts): a connection the server closes while idle (a
 * Redis restart, its `timeout` setting, a failover) is replaced at once without a warning, since
 * no request met it; a closed link answers no more calls and reconnects no more.
 */
if (redisSkipReason) console.warn(`[skip] Redis link: ${redisSkipReason}`);

describe.skipIf(redisSkipReason !== null)("Redis link", () => {
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await openTestRedis();
  });
  afterAll(() => redis?.close());

  const lines: string[] = [];
  const logger = { info: (_: object, message: string) => lines.push(`info ${message}`), warn: (_: object, message: string) => lines.push(`warn ${message}`) };

  test("an idle connection the server closes is replaced at once, without a warning", async () => {
    lines.length = 0;
    const link = new RedisLink({ url: TEST_REDIS_URL, timeoutMs: 1_000, logger, retryMs: 50 });
    await link.start();
    try {
      expect(lines).toEqual(["info rpm/tpm limits are shared with every replica through Redis"]);
      const id = String(await link.send("CLIENT", ["ID"]));
      await redis.send("CLIENT", ["KILL", "ID", id]);
      expect(await waitFor(async () => link.isUp() && String(await link.send("CLIENT", ["ID"])) !== id, 3_000)).toBe(true);
      expect(lines.length).toBe(1);
    } finally {
      link.close();
    }
    expect(link.isUp()).toBe(false);
    await expect(link.send("PING", [])).rejects.toBeInstanceOf(RedisUnavailableError);
  });
});
