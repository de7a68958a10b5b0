/**
 * The one place where the two dialects meet. Drizzle has no dialect-agnostic schema
 * (drizzle-orm#1196), so repositories are written once against the PostgreSQL builder types
 * and handed SQLite's db and tables behind a cast: the subset they use (select, insert with
 * returning and on-conflict, update, aggregate `sql` fragments) has the same shape and the
 * same results in both. Every repository test runs on both dialects to keep that true.
 * The few fragments that differ live in `DialectSql`.
 */
import type { Database } from "bun:sqlite";
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Sql } from "postgres";
import type * as pgSchema from "./schema/pg";
import type { Dialect } from "./types";

export type Tables = typeof pgSchema;
export type AnyDatabase = PostgresJsDatabase<Record<string, never>>;

export interface DialectSql {
  /** UTC calendar day of a timestamp column as `YYYY-MM-DD`. */
  dayOf(column: PgColumn): SQL<string>;
  /** A top-level field of a JSON column as text (null when absent); `field` is a constant of the caller's, never user input. */
  jsonText(column: PgColumn, field: string): SQL<string | null>;
}

export interface DbContext {
  dialect: Dialect;
  db: AnyDatabase;
  /** The raw bun:sqlite handle (SQLite only), for hot paths that keep prepared statements. */
  sqliteClient?: Database;
  /** The raw postgres.js client (PostgreSQL only), for transactions drizzle's builder cannot express for both dialects. */
  pgClient?: Sql;
  /** SQLite file databases: the ledger journal beside the database (ledger-journal.ts). */
  ledgerJournal?: { path: string; synchronous: "FULL" | "NORMAL" };
  tables: Tables;
  sqlFor: DialectSql;
}

export function createDialectSql(dialect: Dialect): DialectSql {
  if (dialect === "postgres") {
    return {
      dayOf: (column) => sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
      jsonText: (column, field) => sql<string | null>`(${column} ->> ${sql.raw(`'${field}'`)})`,
    };
  }
  // SQLite stores timestamps as integer milliseconds (schema/sqlite.ts).
  return {
    dayOf: (column) => sql<string>`strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`,
    jsonText: (column, field) => sql<string | null>`json_extract(${column}, ${sql.raw(`'$.${field}'`)})`,
  };
}
