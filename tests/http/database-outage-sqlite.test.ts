import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { Elysia } from "elysia";
import pino from "pino";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { type RunningGateway, startGateway } from "../../src/gateway";
import type { GatewayError } from "../../src/errors/gateway-error";
import { createAdminRoutes } from "../../src/http/routes/admin";
import { createUsageRoutes } from "../../src/http/routes/usage";
import type { Store } from "../../src/store/types";
import { databaseGatewayEnv } from "../support/database-gateway";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";

/**
 * The admin and usage APIs on SQLite when the database cannot be used: another process holds
 * its write lock past busy_timeout, or the handle is closed under the request. Like PostgreSQL
 * being away (database-outage-postgres.test.ts) this is a retryable 503 `database_unavailable`
 * with retry-after, the cause logged once, where it used to be a 500; a fault of the gateway's
 * own (a bug) stays a 500.
 */

const BUSY_TIMEOUT_MS = 5_000; // open-store.ts: PRAGMA busy_timeout

describe("a gateway whose SQLite database another process holds locked", () => {
  let database: TestDatabase;
  let gateway: RunningGateway;
  let services: Awaited<ReturnType<typeof buildServices>>;
  let store: Store;
  let adminToken: string;
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const loaded = loadConfig({ configDir: "/nonexistent-config-dir", env: databaseGatewayEnv(database, undefined) });
    services = await buildServices(loaded, logger);
    gateway = startGateway(loaded.config, logger, services);
    store = await database.open();
    adminToken = (await issueApiKey(store, { userId: (await store.users.findRootAdmin())!.id })).token;
  });
  afterAll(async () => {
    await gateway?.stop(1000);
    await services?.close();
    await database?.drop();
  });

  const createUser = (email: string) =>
    fetch(`${gateway.url}/api/v1/admin/users`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ email }) });

  test("creating a user while the write lock is held elsewhere: 503 database_unavailable with retry-after, logged once; 201 once the lock is gone", async () => {
    const other = new Database(join(database.options.dataDir!, "gateway.db"));
    other.run("BEGIN IMMEDIATE"); // e.g. a sqlite3 shell or a backup tool in the middle of a write
    const from = lines.length;
    const started = Date.now();
    let answer: Response;
    try {
      answer = await createUser("locked@example.com");
    } finally {
      other.run("ROLLBACK");
      other.close();
    }
    // The key check only reads (WAL readers are not blocked); the insert waited out busy_timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 100);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(((await answer.json()) as { error: unknown }).error).toEqual({ message: "the gateway cannot reach its database; try again shortly", type: "server_error", param: null, code: "database_unavailable" });
    const logged = lines.slice(from).filter((line) => line.level === 50);
    expect(logged.length).toBe(1);
    expect(logged[0]).toMatchObject({ code: "database_unavailable", err: { message: expect.stringContaining("database is locked") } });
    expect((await createUser("locked@example.com")).status).toBe(201);
  }, 30_000);
});

describe("admin and usage routes whose SQLite store is closed under them", () => {
  let database: TestDatabase;
  let store: Store;
  let adminToken: string;
  let app: { handle(request: Request): Promise<Response> };
  const logged: Array<{ cause: unknown; code: string }> = [];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    store = await database.openMigrated();
    const root = await store.users.ensureRootAdmin("admin@local");
    adminToken = (await issueApiKey(store, { userId: root.id })).token;
    // Auth off: the caller's own usage needs no key check, so the usage query is the first to fail.
    const auth = createAuthenticator(store, { required: false, localUser: root });
    const onUnexpectedError = (cause: unknown, answer: GatewayError) => void logged.push({ cause, code: answer.code });
    app = new Elysia().use(createAdminRoutes({ store, auth, onUnexpectedError })).use(createUsageRoutes({ store, auth, onUnexpectedError }));
    await store.close();
  });
  afterAll(async () => database?.drop());

  test("the caller's own usage (no key to check) and an admin call (its key check): both 503 database_unavailable with retry-after, each logged once", async () => {
    for (const request of [new Request("http://localhost/api/v1/usage/summary"), new Request("http://localhost/api/v1/admin/users", { headers: { authorization: `Bearer ${adminToken}` } })]) {
      const before = logged.length;
      const answer = await app.handle(request);
      expect({ path: new URL(request.url).pathname, status: answer.status, retryAfter: answer.headers.get("retry-after") }).toEqual({ path: new URL(request.url).pathname, status: 503, retryAfter: "1" });
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
      expect(logged.slice(before).map((entry) => entry.code)).toEqual(["database_unavailable"]);
    }
  });
});

describe("a fault of the gateway's own is not an outage", () => {
  let database: TestDatabase;
  let store: Store;
  let adminToken: string;
  beforeAll(async () => {
    database = await createSqliteDatabase();
    store = await database.openMigrated();
    adminToken = (await issueApiKey(store, { userId: (await store.users.ensureRootAdmin("admin@local")).id })).token;
  });
  afterAll(async () => database?.drop());

  /** Admin routes over `store` with one repository method replaced by a bug. */
  function appWithBug(repository: "users" | "apiKeys", method: string) {
    const bug = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')"));
    const faulty: Store = { ...store, [repository]: { ...store[repository], [method]: bug } };
    const logged: Array<{ cause: unknown; code: string }> = [];
    const auth = createAuthenticator(faulty, { required: true });
    const app = new Elysia().use(createAdminRoutes({ store: faulty, auth, onUnexpectedError: (cause, answer) => void logged.push({ cause, code: answer.code }) }));
    return { app, logged };
  }

  test("a bug in an admin call stays a 500 internal_error without retry-after, its cause logged once", async () => {
    const { app, logged } = appWithBug("users", "list");
    const answer = await app.handle(new Request("http://localhost/api/v1/admin/users", { headers: { authorization: `Bearer ${adminToken}` } }));
    expect(answer.status).toBe(500);
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(((await answer.json()) as { error: { code: unknown } }).error.code).toBeNull();
    expect(logged.map((entry) => ({ code: entry.code, cause: (entry.cause as Error).name }))).toEqual([{ code: "internal_error", cause: "TypeError" }]);
  });

  test("a bug in the key check is a 500 too, not a database_unavailable that would send clients retrying a bug", async () => {
    const { app, logged } = appWithBug("apiKeys", "findCredentialsByPrefix");
    const answer = await app.handle(new Request("http://localhost/api/v1/admin/users", { headers: { authorization: `Bearer ${adminToken}` } }));
    expect(answer.status).toBe(500);
    expect(logged.map((entry) => entry.code)).toEqual(["internal_error"]);
  });
});
