/**
 * Opens the gateway database: SQLite at `<dataDir>/gateway.db` by default, PostgreSQL when
 * the database URL says `postgres://` or `postgresql://` (then several replicas share it).
 * This is the only module that chooses a dialect (issue 5).
 */
import { Database } from "bun:sqlite";
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { ALLOWED_DATABASE_URLS, unsupportedDatabaseScheme } from "../config/database-url";
import { createApiKeyRepository } from "./api-key-repository";
import { createPgBudgetRepository } from "./budget-repository-pg";
import { createSqliteBudgetRepository } from "./budget-repository-sqlite";
import { closePgPool } from "./close-pg-pool";
import { createPgSockets } from "./pg-socket";
import { pgReconnectDelaySeconds } from "./pg-reconnect";
import { type AnyDatabase, createDialectSql, type DbContext, type Tables } from "./db-context";
import { pgMigrations, sqliteMigrations } from "./migrations/embedded";
import { describeMigrations, migratePg, migrateSqlite, readPgLastApplied, readSqliteLastApplied } from "./migrations/run-migrations";
import * as pgSchema from "./schema/pg";
import * as sqliteSchema from "./schema/sqlite";
import { createStoredResponseRepository } from "./stored-response-repository";
import type { Store } from "./types";
import { createUsageRepository } from "./usage-repository";
import { createUserRepository } from "./user-repository";

export interface StoreOptions {
  /** Directory for `gateway.db` when `databaseUrl` is not given. */
  dataDir?: string;
  /** `postgres://…`/`postgresql://…`, `sqlite:<path>`, a file path, or `:memory:`. */
  databaseUrl?: string;
  /** SQLite `synchronous`: FULL survives power loss (default, reliability §2.13); NORMAL survives app crashes. */
  sqliteSynchronous?: "FULL" | "NORMAL";
  /** PostgreSQL pool size (default 10; migrations need at least 2). */
  pgMaxConnections?: number;
  /**
   * A PostgreSQL connection silent this long (no byte either way) is closed, so a dead peer
   * fails its query instead of hanging it (pg-socket.ts). Default 30 s; 0 turns it off.
   */
  pgSilenceTimeoutMs?: number;
}

export const DEFAULT_PG_SILENCE_TIMEOUT_MS = 30_000;

/** Longest a closing PostgreSQL pool waits for a query still running on it (close-pg-pool.ts). */
const PG_CLOSE_TIMEOUT_MS = 5_000;

export type DatabaseTarget = { dialect: "postgres"; url: string } | { dialect: "sqlite"; path: string };

export const DEFAULT_DATABASE_FILE = "gateway.db";

function expandHome(path: string): string {
  // The upstream created a literal `~` directory (notes/upstream-tokligence.md §1.8).
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/** Decide dialect and location from the options; throws when neither is given. */
export function resolveDatabaseTarget(options: StoreOptions): DatabaseTarget {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: "postgres", url };
    if (url === ":memory:") return { dialect: "sqlite", path: url };
    // The configuration refuses these first (config/database-url.ts); kept for callers that open a store directly.
    const scheme = unsupportedDatabaseScheme(url);
    if (scheme) throw new Error(`unsupported database URL scheme "${scheme}://" (allowed: ${ALLOWED_DATABASE_URLS})`);
    const path = url.replace(/^sqlite:(\/\/)?/i, "");
    return { dialect: "sqlite", path: resolve(expandHome(path)) };
  }
  if (!options.dataDir) throw new Error("no database: give a data directory or a database URL");
  return { dialect: "sqlite", path: resolve(expandHome(options.dataDir), DEFAULT_DATABASE_FILE) };
}

/** A URL without its password, safe for logs and CLI output. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}

function buildStore(ctx: DbContext, location: string, hooks: Pick<Store, "migrate" | "migrationStatus" | "close">): Store {
  return {
    dialect: ctx.dialect,
    location,
    users: createUserRepository(ctx),
    apiKeys: createApiKeyRepository(ctx),
    budgets: ctx.dialect === "postgres" ? createPgBudgetRepository(ctx.pgClient!) : createSqliteBudgetRepository(ctx.sqliteClient!),
    usage: createUsageRepository(ctx),
    responses: createStoredResponseRepository(ctx),
    ...hooks,
  };
}

/**
 * Refuse an existing database file (or WAL companion) this process may not write. SQLite opens
 * such a file read-only without a word: the daemon started, reads worked, and every request that
 * records usage failed at runtime with "attempt to write a readonly database" (a `gateway.db`
 * left owned by root by a `sudo gateway …` or a `docker exec` in a directory the gateway owns).
 * The error carries `path` and an open-failure code, so the start-up hint names the file, its
 * owner and the chown (open-failure-hint.ts). Three access(2) calls, once per start.
 */
function assertWritableDatabase(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code === "EROFS" ? "EROFS" : "SQLITE_READONLY";
      throw Object.assign(new Error(`${file} cannot be written (SQLite would open it read-only, and every write would fail with "attempt to write a readonly database")`), { code, path: file });
    }
  }
}

function openSqlite(path: string, options: StoreOptions): Store {
  // Owner-only when the gateway creates the directory: the database holds stored conversations,
  // the ledger and key hashes (an existing directory keeps the mode its operator chose).
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (path !== ":memory:") assertWritableDatabase(path);
  const client = new Database(path, { create: true, strict: true });
  // notes/packaging-and-stack.md §7: WAL, busy_timeout, foreign keys; synchronous per §2.13.
  client.run("PRAGMA journal_mode = WAL");
  client.run("PRAGMA busy_timeout = 5000");
  client.run("PRAGMA foreign_keys = ON");
  client.run(`PRAGMA synchronous = ${options.sqliteSynchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
  const db = drizzleSqlite({ client, schema: sqliteSchema });
  const ctx: DbContext = {
    dialect: "sqlite",
    // See db-context.ts: one repository implementation, SQLite builders behind a cast.
    db: db as unknown as AnyDatabase,
    sqliteClient: client,
    ...(path === ":memory:" ? {} : { ledgerJournal: { path, synchronous: options.sqliteSynchronous === "NORMAL" ? "NORMAL" : "FULL" } }),
    tables: sqliteSchema as unknown as Tables,
    sqlFor: createDialectSql("sqlite"),
  };
  let closed = false;
  return buildStore(ctx, path, {
    migrate: async () => migrateSqlite(client, sqliteMigrations),
    migrationStatus: async () => describeMigrations(sqliteMigrations, readSqliteLastApplied(client)),
    close: async () => {
      if (closed) return;
      closed = true;
      client.close();
    },
  });
}

function openPostgres(url: string, options: StoreOptions): Store {
  const silenceMs = options.pgSilenceTimeoutMs ?? DEFAULT_PG_SILENCE_TIMEOUT_MS;
  const sockets = createPgSockets(silenceMs);
  const client = postgres(url, {
    max: Math.max(2, options.pgMaxConnections ?? 10),
    connect_timeout: 10,
    idle_timeout: 60,
    backoff: pgReconnectDelaySeconds,
    onnotice: () => {},
    // postgres.js otherwise reads the server's array types on its first connection with a
    // promise nobody handles: if that connection fails meanwhile (a database cut as the gateway
    // starts), the rejection is unhandled and kills the process. The schema has no array
    // columns and the gateway binds no arrays, so the type list is not needed.
    fetch_types: false,
    // postgres.js takes a socket factory (documented, missing from its types).
    ...({ socket: sockets.create } as object),
  });
  const db = drizzlePg({ client, schema: pgSchema });
  const ctx: DbContext = { dialect: "postgres", db: db as unknown as AnyDatabase, pgClient: client, tables: pgSchema, sqlFor: createDialectSql("postgres") };
  return buildStore(ctx, redactDatabaseUrl(url), {
    migrate: () => migratePg(client, pgMigrations),
    migrationStatus: async () => describeMigrations(pgMigrations, await readPgLastApplied(client)),
    close: () => closePgPool(client, sockets, PG_CLOSE_TIMEOUT_MS),
  });
}

/** Open (not migrate) the store; call `store.migrate()` before use at start-up. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const target = resolveDatabaseTarget(options);
  return target.dialect === "postgres" ? openPostgres(target.url, options) : openSqlite(target.path, options);
}
