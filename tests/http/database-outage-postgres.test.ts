import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pino from "pino";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { type RunningGateway, startGateway } from "../../src/gateway";
import type { Store } from "../../src/store/types";
import { databaseGatewayEnv } from "../support/database-gateway";
import { startDatabaseProxy, type TcpProxy } from "../support/tcp-proxy";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";

/**
 * A replica whose PostgreSQL goes away (restart, partition) while requests arrive. The key
 * cannot be checked, so the request is refused, but as a retryable 503 with retry-after (529
 * overloaded_error for Anthropic clients, which Claude Code retries), not an opaque 500, and
 * the database's error reaches the log. Its ledger row is still written once the database is back.
 */
if (pgSkipReason) console.warn(`[skip] database-outage-postgres: ${pgSkipReason}`);

describe.skipIf(pgSkipReason !== null)("a replica whose PostgreSQL is unreachable", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let gateway: RunningGateway;
  let services: Awaited<ReturnType<typeof buildServices>>;
  let store: Store;
  let token: string;
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    database = await createPgDatabase();
    const proxied = await startDatabaseProxy(database.options.databaseUrl!);
    proxy = proxied.proxy;
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const loaded = loadConfig({ configDir: "/nonexistent-config-dir", env: databaseGatewayEnv({ ...database, options: { databaseUrl: proxied.url } }, undefined) });
    services = await buildServices(loaded, logger);
    gateway = startGateway(loaded.config, logger, services);
    store = await database.open();
    const user = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
    token = (await issueApiKey(store, { userId: user.id })).token;
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore();
    await gateway?.stop(1000);
    await services?.close();
    await proxy?.stop();
    await database?.drop();
  }, 60_000);

  /** Send while the database is cut off, then bring it back so the request's ledger row can be written. */
  async function duringOutage(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    await proxy.cut();
    const pending = fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
    await Bun.sleep(300);
    await proxy.restore();
    return pending;
  }

  test("OpenAI clients get 503 database_unavailable with retry-after, and the cause is logged", async () => {
    const answer = await duringOutage("/v1/chat/completions", { model: "loopback", messages: [{ role: "user", content: "hi" }] }, { "x-request-id": "outage-openai" });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    const body = (await answer.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: "server_error", code: "database_unavailable" });
    const logged = lines.find((line) => line.level === 50 && line.code === "database_unavailable");
    expect(logged?.err?.message).toBeString();
    const [row] = await store.usage.logs({}, 10).then((rows) => rows.filter((entry) => entry.clientRequestId === "outage-openai"));
    expect(row).toMatchObject({ status: 503, errorCode: "database_unavailable" });
  }, 60_000);

  test("Anthropic clients get 529 overloaded_error (retried by Claude Code)", async () => {
    const answer = await duringOutage("/v1/messages", { model: "loopback", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }, { "anthropic-version": "2023-06-01" });
    expect(answer.status).toBe(529);
    expect(((await answer.json()) as { error: { type: string } }).error.type).toBe("overloaded_error");
  }, 60_000);

  test("once the database is back the same key works again", async () => {
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "hi" }] }) });
    expect(answer.status).toBe(200);
  }, 60_000);
});
