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
  let statement: Statement | undefined;
  const insertAll = client.transaction((rows: readonly Row[]) => {
    statement ??= client.prepare(sqlText);
    for (const row of rows) {
      const values = columns.map(([key, column]) => {
        const value = (row as Record<string, unknown>)[key];
        return value === null || value === undefined ? null : column.mapToDriverValue(value);
      });
      statement.run(...(values as never[]));
    }
  });
  return (rows) => {
    if (rows.length > 0) insertAll(rows);
  };
}
