/**
 * Fresh databases for store, ledger and auth tests: a temp-dir SQLite file always, and a
 * throw-away PostgreSQL database (`gw_test_<random>`) when 127.0.0.1:5432 answers. When it
 * does not, the PostgreSQL variants are skipped and the reason is printed once.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll } from "bun:test";
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
  /** Rows of one SQL statement, run on a connection of its own (for what no repository shows). */
  query<Row>(text: string): Promise<Row[]>;
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
    async query<Row>(text: string) {
      if (dialect === "postgres") {
        const sql = postgres(options.databaseUrl!, { max: 1, onnotice: () => {} });
        try {
          return (await sql.unsafe(text)) as unknown as Row[];
        } finally {
          await sql.end({ timeout: 1 });
        }
      }
      const db = new Database(join(options.dataDir!, "gateway.db"));
      try {
        return db.query(text).all() as Row[];
      } finally {
        db.close();
      }
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

/**
 * A migrated store on a fresh database of `dialectCase` for the enclosing describe (created in
 * beforeAll, dropped in afterAll): the set-up store tests share. Read `database` and `store` inside tests.
 */
export function useMigratedStore(dialectCase: DialectCase): { readonly database: TestDatabase; readonly store: Store } {
  const opened = {} as { database: TestDatabase; store: Store };
  beforeAll(async () => {
    opened.database = await dialectCase.create();
    opened.store = await opened.database.openMigrated();
  });
  afterAll(async () => opened.database?.drop());
  return opened;
}

/**
 * Run raw SQL on a test database from a connection of its own (triggers that simulate a
 * concurrent writer or a failing statement): the statements for its dialect, in order.
 */
export async function runRawSql(database: TestDatabase, statements: { sqlite: string[]; postgres: string[] }): Promise<void> {
  if (database.dialect === "sqlite") {
    const client = new Database(join(database.options.dataDir!, "gateway.db"));
    try {
      for (const statement of statements.sqlite) client.run(statement);
    } finally {
      client.close();
    }
    return;
  }
  const sql = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    for (const statement of statements.postgres) await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
