/**
 * Fresh databases for store, ledger and auth tests: a temp-dir SQLite file always, and a
 * throw-away PostgreSQL database (`gw_test_<random>`) when 127.0.0.1:5432 answers. When it
 * does not, the PostgreSQL variants are skipped and the reason is printed once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { openStore, type StoreOptions } from "../../src/store/open-store";
import type { Dialect, Store } from "../../src/store/types";

const PG_ADMIN_URL = process.env.GW_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function probePostgres(): Promise<string | null> {
  const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return null;
  } catch (error) {
    return `PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, "//")} (${(error as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Null when PostgreSQL is usable, else why its tests are skipped. */
export const pgSkipReason: string | null = await probePostgres();
if (pgSkipReason) console.warn(`[skip] PostgreSQL variants of the store/ledger/auth tests: ${pgSkipReason}`);

export interface TestDatabase {
  dialect: Dialect;
  options: StoreOptions;
  /** Open a new connection (store) on this database. */
  open(): Promise<Store>;
  /** Open and migrate. */
  openMigrated(): Promise<Store>;
  drop(): Promise<void>;
}

function wrap(dialect: Dialect, options: StoreOptions, drop: () => Promise<void>): TestDatabase {
  const opened: Store[] = [];
  const open = async () => {
    const store = await openStore(options);
    opened.push(store);
    return store;
  };
  return {
    dialect,
    options,
    open,
    async openMigrated() {
      const store = await open();
      await store.migrate();
      return store;
    },
    async drop() {
      for (const store of opened) await store.close().catch(() => {});
      await drop();
    },
  };
}

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "gw-test-"));
  return wrap("sqlite", { dataDir }, async () => rmSync(dataDir, { recursive: true, force: true }));
}

export async function createPgDatabase(): Promise<TestDatabase> {
  const name = `gw_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return wrap("postgres", { databaseUrl: url.toString() }, async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end({ timeout: 2 });
  });
}

export interface DialectCase {
  dialect: Dialect;
  skip: boolean;
  create(): Promise<TestDatabase>;
}

/** The dialects to run every store test on (PostgreSQL flagged skip when unreachable). */
export const dialectCases: DialectCase[] = [
  { dialect: "sqlite", skip: false, create: createSqliteDatabase },
  { dialect: "postgres", skip: pgSkipReason !== null, create: createPgDatabase },
];
