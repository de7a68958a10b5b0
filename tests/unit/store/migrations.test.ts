import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { pgMigrations, sqliteMigrations } from "../../../src/store/migrations/embedded";
import { renderEmbeddedMigrations } from "../../../src/store/migrations/render-embedded";
import { migratePg, migrateSqlite } from "../../../src/store/migrations/run-migrations";
import { openStore, redactDatabaseUrl, resolveDatabaseTarget } from "../../../src/store/open-store";
import { createPgDatabase, createSqliteDatabase, pgSkipReason, type TestDatabase } from "../../support/test-databases";

const root = join(import.meta.dir, "../../..");

test("the embedded migrations module matches the drizzle folders (run scripts/embed-migrations.ts)", () => {
  expect(readFileSync(join(root, "src/store/migrations/embedded.ts"), "utf8")).toBe(renderEmbeddedMigrations(root));
});

test("database target: postgres URLs, sqlite paths, default file in the data dir", () => {
  expect(resolveDatabaseTarget({ databaseUrl: "postgresql://u:p@h/db" })).toEqual({ dialect: "postgres", url: "postgresql://u:p@h/db" });
  expect(resolveDatabaseTarget({ databaseUrl: "postgres://h/db", dataDir: "/x" }).dialect).toBe("postgres");
  expect(resolveDatabaseTarget({ dataDir: "/var/lib/gw" })).toEqual({ dialect: "sqlite", path: "/var/lib/gw/gateway.db" });
  expect(resolveDatabaseTarget({ databaseUrl: "sqlite:///tmp/a.db" })).toEqual({ dialect: "sqlite", path: "/tmp/a.db" });
  expect((resolveDatabaseTarget({ dataDir: "~/gw" }) as { path: string }).path.includes("~")).toBe(false);
  expect(() => resolveDatabaseTarget({})).toThrow();
  // Another scheme is a mistake, not a SQLite path: it made a "mysql:/" directory and an empty database.
  for (const databaseUrl of ["mysql://u@h/db", "postgress://h/db", "file:///tmp/a.db"]) expect(() => resolveDatabaseTarget({ databaseUrl })).toThrow(/unsupported database URL scheme/);
  expect(resolveDatabaseTarget({ databaseUrl: "./data/a.db" })).toEqual({ dialect: "sqlite", path: join(process.cwd(), "data/a.db") });
  expect(redactDatabaseUrl("postgres://u:secret@h:5432/db")).not.toContain("secret");
});

describe("concurrent start-up", () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  test("two processes' stores migrating one SQLite file together apply the migration once", async () => {
    const database = await createSqliteDatabase();
    databases.push(database);
    const [a, b] = [await database.open(), await database.open()];
    const results = await Promise.all([a.migrate(), b.migrate()]);
    expect(results.flatMap((result) => result.applied)).toEqual(["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"]);
  });

  test.skipIf(pgSkipReason !== null)("replicas migrating one PostgreSQL database together serialise on the advisory lock", async () => {
    const database = await createPgDatabase();
    databases.push(database);
    const stores = await Promise.all([database.open(), database.open(), database.open()]);
    const results = await Promise.all(stores.map((store) => store.migrate()));
    expect(results.flatMap((result) => result.applied)).toEqual(["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"]);
    for (const store of stores) expect((await store.migrationStatus()).pending).toEqual([]);
  });
});

test("a database at the first migration upgrades in place: ledger rows are kept, client_request_id is null", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gw-upgrade-"));
  try {
    const old = new Database(join(dataDir, "gateway.db"));
    migrateSqlite(old, sqliteMigrations.slice(0, 1));
    old.run(
      "insert into usage_entries (request_id, endpoint, client_protocol, model_requested, stream, status, prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, usage_estimated, latency_ms, started_at, created_at) values ('req_old', '/v1/chat/completions', 'openai-chat', 'gpt-4o', 0, 200, 10, 5, 0, 0, 0, 0, 12, 1700000000000, 1700000000000)",
    );
    old.close();
    const store = await openStore({ dataDir });
    expect((await store.migrate()).applied).toEqual(["0001_client_request_id", "0002_limits", "0003_stored_response_items"]);
    const [row] = await store.usage.logs({}, 10);
    expect(row).toMatchObject({ requestId: "req_old", clientRequestId: null, promptTokens: 10, completionTokens: 5 });
    await store.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a database at 0001 upgrades in place to limits: users and keys are kept, without limits, spend 0 (SQLite)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gw-upgrade-"));
  try {
    const old = new Database(join(dataDir, "gateway.db"));
    migrateSqlite(old, sqliteMigrations.slice(0, 2));
    old.run("insert into users (uuid, email, role, status, created_at, updated_at) values ('u1', 'old@example.com', 'gateway_user', 'active', 1700000000000, 1700000000000)");
    old.run("insert into api_keys (uuid, user_id, key_hash, key_prefix, scopes, created_at, updated_at) values ('k1', 1, 'hash', 'tok_abcdefgh', '[]', 1700000000000, 1700000000000)");
    old.close();
    const store = await openStore({ dataDir });
    expect((await store.migrate()).applied).toEqual(["0002_limits", "0003_stored_response_items"]);
    const user = (await store.users.findByEmail("old@example.com"))!;
    expect(user.limits).toEqual({ budgetMicroUsd: null, budgetPeriod: null, rpmLimit: null, tpmLimit: null });
    expect((await store.apiKeys.get(1))!.spend).toEqual({ spentMicroUsd: 0, reservedMicroUsd: 0, periodStart: null });
    await store.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.skipIf(pgSkipReason !== null)("a PostgreSQL database at 0001 upgrades in place to limits: keys are kept, without limits", async () => {
  const database = await createPgDatabase();
  try {
    const store = await database.open();
    const admin = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    await migratePg(admin, pgMigrations.slice(0, 2));
    await admin.unsafe("insert into users (uuid, email, role, status, created_at, updated_at) values ('u1', 'old@example.com', 'gateway_user', 'active', now(), now())");
    await admin.end();
    expect((await store.migrate()).applied).toEqual(["0002_limits", "0003_stored_response_items"]);
    expect((await store.users.findByEmail("old@example.com"))!.spend).toEqual({ spentMicroUsd: 0, reservedMicroUsd: 0, periodStart: null });
  } finally {
    await database.drop();
  }
});

test("a data dir the gateway creates is owner-only (it holds conversations, the ledger and key hashes)", async () => {
  const parent = mkdtempSync(join(tmpdir(), "gw-perm-"));
  try {
    const dataDir = join(parent, "fresh", "data");
    const store = await openStore({ dataDir });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    await store.close();
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
