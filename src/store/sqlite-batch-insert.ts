/**
 * A fast path for the ledger's hot write on SQLite: one statement prepared once and reused,
 * every row of a batch run through it inside one transaction (one commit).
 *
 * Why not drizzle's `insert().values(rows)`: it builds the SQL text and calls `prepare()` on
 * every batch, which measured 0.3–0.5 ms per single-row batch on the bench VM against ~0.1 ms for
 * the same INSERT through a cached statement, and the ledger write sits on every request's path
 * (the row is committed before the client's answer, reliability-anchors §2.13).
 *
 * Column names and value encoding still come from the drizzle schema (`getTableColumns`,
 * `mapToDriverValue`), so booleans and `timestamp_ms` columns are stored exactly as drizzle
 * stores them; the repository tests compare both paths' rows.
 */
import type { Database, Statement } from "bun:sqlite";
import { type Column, getTableColumns, getTableName, type Table } from "drizzle-orm";

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export type BatchInsert<Row> = (rows: readonly Row[]) => void;

/**
 * `insert into <table> (<every non-primary-key column>) values (…) on conflict (<conflictColumn>) do nothing`,
 * for all `rows` in one transaction.
 */
export function createSqliteBatchInsert<Row extends object>(client: Database, table: Table, conflictColumn: Column): BatchInsert<Row> {
  const columns = Object.entries(getTableColumns(table)).filter(([, column]) => !column.primary);
  const sqlText =
    `insert into ${quote(getTableName(table))} (${columns.map(([, column]) => quote(column.name)).join(", ")}) ` +
    `values (${columns.map(() => "?").join(", ")}) on conflict (${quote(conflictColumn.name)}) do nothing`;
  const keys = columns.map(([key]) => key);
  const encoders = columns.map(([, column]) => (value: unknown) => column.mapToDriverValue(value));
  let statement: Statement | undefined;
  const insertOne = (row: Row) => {
    statement ??= client.prepare(sqlText);
    const values: unknown[] = new Array(keys.length);
    for (let index = 0; index < keys.length; index++) {
      const value = (row as Record<string, unknown>)[keys[index]!];
      values[index] = value === null || value === undefined ? null : encoders[index]!(value);
    }
    statement.run(...(values as never[]));
  };
  const insertAll = client.transaction((rows: readonly Row[]) => {
    for (const row of rows) insertOne(row);
  });
  return (rows) => {
    // One row is its own transaction (autocommit): the same single commit without the
    // BEGIN and COMMIT round trips, which is the common case at low concurrency.
    if (rows.length === 1) insertOne(rows[0]!);
    else if (rows.length > 1) insertAll(rows);
  };
}
