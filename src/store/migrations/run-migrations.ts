/**
 * Applies the embedded migrations at start-up. Our own small runner instead of drizzle's
 * migrator because that one takes no lock and reads the last applied row outside its
 * transaction (notes/packaging-and-stack.md §7). The bookkeeping table is drizzle's own
 * (`__drizzle_migrations`, same columns and sha256 hash), so `drizzle-kit migrate` agrees.
 *
 * - SQLite: `BEGIN IMMEDIATE` takes the write lock before reading what was applied, so two
 *   processes starting on one file apply each migration once.
 * - PostgreSQL: a session-level `pg_advisory_lock` on one reserved connection serialises
 *   replicas that start together; the migrations run in one transaction under it.
 */
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import type { Sql } from "postgres";
import type { EmbeddedMigration } from "./render-embedded";

/** Arbitrary constant shared by every replica: the advisory lock key for migrations. */
export const MIGRATION_LOCK_KEY = 724_311_905;

export interface MigrationResult {
  /** Tags applied by this call (empty when the database was up to date). */
  applied: string[];
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

function splitStatements(migration: EmbeddedMigration): string[] {
  return migration.sql
    .split("--> statement-breakpoint")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

function hashMigration(migration: EmbeddedMigration): string {
  return createHash("sha256").update(migration.sql).digest("hex");
}

function pendingAfter(migrations: EmbeddedMigration[], lastApplied: number | null): EmbeddedMigration[] {
  return migrations.filter((migration) => lastApplied === null || migration.when > lastApplied);
}

/** Tags applied / pending given the newest applied `created_at` (drizzle's rule). */
export function describeMigrations(migrations: EmbeddedMigration[], lastApplied: number | null): MigrationStatus {
  const pending = pendingAfter(migrations, lastApplied);
  return {
    applied: migrations.filter((migration) => !pending.includes(migration)).map((migration) => migration.tag),
    pending: pending.map((migration) => migration.tag),
  };
}

const SQLITE_TABLE = "__drizzle_migrations";

/** The newest applied migration's timestamp on SQLite, or null when none ran. */
export function readSqliteLastApplied(db: Database): number | null {
  const exists = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SQLITE_TABLE);
  if (!exists) return null;
  const row = db.query(`SELECT created_at FROM ${SQLITE_TABLE} ORDER BY created_at DESC LIMIT 1`).get() as { created_at: number | string } | null;
  return row ? Number(row.created_at) : null;
}

export function migrateSqlite(db: Database, migrations: EmbeddedMigration[]): MigrationResult {
  db.run(`CREATE TABLE IF NOT EXISTS ${SQLITE_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  db.run("BEGIN IMMEDIATE");
  try {
    const pending = pendingAfter(migrations, readSqliteLastApplied(db));
    for (const migration of pending) {
      for (const statement of splitStatements(migration)) db.run(statement);
      db.query(`INSERT INTO ${SQLITE_TABLE} ("hash", "created_at") VALUES (?, ?)`).run(hashMigration(migration), migration.when);
    }
    db.run("COMMIT");
    return { applied: pending.map((migration) => migration.tag) };
  } catch (error) {
    db.run("ROLLBACK");
    throw error;
  }
}

/** The newest applied migration's timestamp on PostgreSQL, or null when none ran. */
export async function readPgLastApplied(sql: Sql): Promise<number | null> {
  const [table] = await sql`SELECT to_regclass('drizzle.__drizzle_migrations') AS name`;
  if (!table?.name) return null;
  const [row] = await sql`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`;
  return row ? Number(row.created_at) : null;
}

export async function migratePg(sql: Sql, migrations: EmbeddedMigration[]): Promise<MigrationResult> {
  // One transaction under a transaction-scoped advisory lock: replicas starting together take
  // turns, and the lock goes with the commit or rollback. (Not a reserved connection with a
  // session lock: postgres.js never hands out a reserved connection when it does not fetch the
  // server's types, see open-store.ts.)
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx.unsafe("CREATE SCHEMA IF NOT EXISTS drizzle");
    await tx.unsafe("CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)");
    const [row] = await tx`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`;
    const pending = pendingAfter(migrations, row ? Number(row.created_at) : null);
    for (const migration of pending) {
      for (const statement of splitStatements(migration)) await tx.unsafe(statement);
      await tx`INSERT INTO drizzle.__drizzle_migrations ("hash", "created_at") VALUES (${hashMigration(migration)}, ${migration.when})`;
    }
    return { applied: pending.map((migration) => migration.tag) };
  });
}
