/**
 * The Redis for shared rate-limit tests: 127.0.0.1:6379 (or GW_TEST_REDIS_URL). When it does not
 * answer, those tests are skipped and the reason printed. Each test takes its own key prefix, so
 * parallel runs (and other suites on the same Redis) never meet, and drops its keys at the end.
 */
import { RedisClient } from "bun";

export const TEST_REDIS_URL = process.env.GW_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probeRedis(): Promise<string | null> {
  const client = new RedisClient(TEST_REDIS_URL, { connectionTimeout: 1_000, autoReconnect: false, enableOfflineQueue: false });
  try {
    await client.connect();
    await client.send("PING", []);
    return null;
  } catch (error) {
    return `Redis not reachable at ${TEST_REDIS_URL.replace(/\/\/[^@]*@/, "//")} (${(error as Error).message})`;
  } finally {
    client.close();
  }
}

/** Null when Redis is usable, else why its tests are skipped. */
export const redisSkipReason: string | null = await probeRedis();

/** A key prefix no other test (or run) uses. */
export function uniqueRedisPrefix(name: string): string {
  return `gw-test:${name}:${crypto.randomUUID().slice(0, 12)}:`;
}

/** A client for looking at (and dropping) a test's keys. */
export async function openTestRedis(): Promise<RedisClient> {
  const client = new RedisClient(TEST_REDIS_URL, { autoReconnect: false, enableOfflineQueue: false });
  await client.connect();
  return client;
}

/** Delete every key under `prefix`. */
export async function dropRedisPrefix(client: RedisClient, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = (await client.send("SCAN", [cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
    if (keys.length > 0) await client.send("DEL", keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A port nothing listens on (a server was opened there and closed). */
export async function closedPort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
