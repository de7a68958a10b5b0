/**
 * Several statements as one write transaction, written once for both dialects. The body is a
 * generator that `yield`s each drizzle statement and gets its rows back, so it can decide the
 * next statement (or throw to roll everything back) from what the previous one returned.
 *
 * SQLite: bun:sqlite runs a transaction function synchronously, so every statement runs with
 * `.all()` (drizzle's synchronous form), never awaited: no other query of this process (the
 * ledger, another admin call on the same connection) can slip into the transaction, and
 * `BEGIN IMMEDIATE` takes the write lock at the start, so another process cannot interleave.
 * PostgreSQL: a drizzle transaction (READ COMMITTED); the body takes the row locks it needs, and
 * a transaction PostgreSQL aborts as a deadlock loser runs again (pg-deadlock-retry.ts).
 */
import type { AnyDatabase, DbContext } from "./db-context";
import { retryingDeadlocks } from "./pg-deadlock-retry";

/** A drizzle statement that returns rows: awaited on PostgreSQL, `.all()` on SQLite. */
export type RowStatement = PromiseLike<unknown[]>;

export type TransactionBody<T> = (db: AnyDatabase) => Generator<RowStatement, T, unknown[]>;

export async function inWriteTransaction<T>(ctx: DbContext, body: TransactionBody<T>): Promise<T> {
  if (ctx.sqliteClient) {
    const run = ctx.sqliteClient.transaction((): T => {
      const steps = body(ctx.db);
      let step = steps.next();
      while (!step.done) step = steps.next((step.value as unknown as { all(): unknown[] }).all());
      return step.value;
    });
    return run.immediate();
  }
  // A deadlock loser runs again from the start: the body is a generator, so each run is a fresh one.
  return retryingDeadlocks(() =>
    ctx.db.transaction(async (tx) => {
      const steps = body(tx as unknown as AnyDatabase);
      let step = steps.next();
      while (!step.done) step = steps.next(await step.value);
      return step.value;
    }),
  );
}
