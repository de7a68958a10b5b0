/**
 * Budget reservations on PostgreSQL (BudgetRepository in types.ts), shared by every replica.
 * Each operation is one transaction. The reservation is a conditional UPDATE: under READ
 * COMMITTED a concurrent UPDATE of the same row waits for the row lock and then re-checks its
 * WHERE against the committed row, so two replicas cannot both fit into the last dollar.
 * Rows are always locked key first, then user, so two of these never wait on each other in a
 * cycle; one that still loses a deadlock (a foreign key check's lock, pg-deadlock-retry.ts)
 * runs again.
 */
import type { Sql, TransactionSql } from "postgres";
import { LIFETIME_START, periodStartOf } from "../limits/budget-period";
import { retryingDeadlocks } from "./pg-deadlock-retry";
import type { BudgetRepository } from "./types";

/** Thrown inside a transaction to roll it back when a budget is exhausted. */
class Exhausted extends Error {
  constructor(
    readonly which: "key" | "user",
    readonly budgetMicroUsd: number,
    readonly remainingMicroUsd: number,
  ) {
    super(`${which} budget exhausted`);
  }
}

type Table = "api_keys" | "users";

// Timestamps go as ISO text with a cast: postgres.js's unsafe() does not serialise Date parameters.
async function reserveOn(tx: TransactionSql, table: Table, id: number, amount: number, periodStart: Date): Promise<boolean> {
  // The table name is one of two constants, never input.
  const result = await tx.unsafe(
    `UPDATE ${table} SET spent_micro_usd = (CASE WHEN spend_period_start = $1::timestamptz THEN spent_micro_usd ELSE 0 END), spend_period_start = $1::timestamptz,
       reserved_micro_usd = reserved_micro_usd + $2
     WHERE id = $3 AND (budget_micro_usd IS NULL OR (CASE WHEN spend_period_start = $1::timestamptz THEN spent_micro_usd ELSE 0 END) + reserved_micro_usd + $2 <= budget_micro_usd)`,
    [periodStart.toISOString(), amount, id],
  );
  return result.count > 0;
}

/** The refusal of a row whose reservation did not fit: its budget and what was left of it in the period starting at `periodStart`. */
async function exhaustedOn(tx: TransactionSql, table: Table, which: "key" | "user", id: number, periodStart: Date): Promise<Exhausted> {
  const [row] = await tx.unsafe(
    `SELECT budget_micro_usd, (CASE WHEN spend_period_start = $1::timestamptz THEN spent_micro_usd ELSE 0 END) + reserved_micro_usd AS taken FROM ${table} WHERE id = $2`,
    [periodStart.toISOString(), id],
  );
  const budget = Number(row?.budget_micro_usd ?? 0);
  return new Exhausted(which, budget, Math.max(0, budget - Number(row?.taken ?? 0)));
}

/** The start of the row's current period, of the budget period the row has now ($1 day, $2 month, $3 lifetime). */
const ROW_PERIOD_START = "(CASE budget_period WHEN 'daily' THEN $1::timestamptz WHEN 'monthly' THEN $2::timestamptz ELSE $3::timestamptz END)";

/**
 * Charge `cost` in the row's current period (of its budget period now, not at admission: a
 * period changed while the request ran must not be stamped back, which made the next admission
 * count the spend from 0) and take back `back` of the reservation.
 */
async function settleOn(tx: TransactionSql, table: Table, id: number, cost: number, back: number, at: Date): Promise<void> {
  await tx.unsafe(
    `UPDATE ${table} SET spent_micro_usd = (CASE WHEN spend_period_start = ${ROW_PERIOD_START} THEN spent_micro_usd ELSE 0 END) + $4, spend_period_start = ${ROW_PERIOD_START},
       reserved_micro_usd = GREATEST(reserved_micro_usd - $5, 0)
     WHERE id = $6`,
    [periodStartOf("daily", at).toISOString(), periodStartOf("monthly", at).toISOString(), LIFETIME_START.toISOString(), cost, back, id],
  );
}

async function releaseOn(tx: TransactionSql, table: Table, id: number, back: number): Promise<void> {
  await tx.unsafe(`UPDATE ${table} SET reserved_micro_usd = GREATEST(reserved_micro_usd - $1, 0) WHERE id = $2`, [back, id]);
}

export function createPgBudgetRepository(sql: Sql): BudgetRepository {
  return {
    async reserve(r) {
      try {
        await retryingDeadlocks(() => sql.begin(async (tx) => {
          if (r.keyMicroUsd > 0 && r.apiKeyId !== null && !(await reserveOn(tx, "api_keys", r.apiKeyId, r.keyMicroUsd, r.keyPeriodStart))) throw await exhaustedOn(tx, "api_keys", "key", r.apiKeyId, r.keyPeriodStart);
          if (r.userMicroUsd > 0 && r.userId !== null && !(await reserveOn(tx, "users", r.userId, r.userMicroUsd, r.userPeriodStart))) throw await exhaustedOn(tx, "users", "user", r.userId, r.userPeriodStart);
          await tx`INSERT INTO budget_reservations (id, api_key_id, user_id, key_micro_usd, user_micro_usd, created_at, expires_at)
                   VALUES (${r.id}, ${r.apiKeyId}, ${r.userId}, ${r.keyMicroUsd}, ${r.userMicroUsd}, ${r.now.toISOString()}::timestamptz, ${r.expiresAt.toISOString()}::timestamptz) ON CONFLICT (id) DO NOTHING`;
        }));
        return { ok: true };
      } catch (error) {
        if (error instanceof Exhausted) return { ok: false, exhausted: error.which, budgetMicroUsd: error.budgetMicroUsd, remainingMicroUsd: error.remainingMicroUsd };
        throw error;
      }
    },

    async settle(r) {
      await retryingDeadlocks(() => sql.begin(async (tx) => {
        const [taken] = await tx`DELETE FROM budget_reservations WHERE id = ${r.id} RETURNING key_micro_usd, user_micro_usd`;
        if (!taken && r.onlyIfReserved) return;
        const keyBack = Number(taken?.key_micro_usd ?? 0);
        const userBack = Number(taken?.user_micro_usd ?? 0);
        if (r.apiKeyId !== null && (r.chargeKey || keyBack > 0)) await settleOn(tx, "api_keys", r.apiKeyId, r.chargeKey ? r.costMicroUsd : 0, keyBack, r.at);
        if (r.userId !== null && (r.chargeUser || userBack > 0)) await settleOn(tx, "users", r.userId, r.chargeUser ? r.costMicroUsd : 0, userBack, r.at);
      }));
    },

    async extend(id, expiresAt) {
      const result = await sql`UPDATE budget_reservations SET expires_at = ${expiresAt.toISOString()}::timestamptz WHERE id = ${id}`;
      return result.count > 0;
    },

    async releaseExpired(now, options = {}) {
      const before = options.everything ? new Date("9999-12-31T00:00:00Z") : now;
      const rows = await sql`SELECT id FROM budget_reservations WHERE expires_at <= ${before.toISOString()}::timestamptz LIMIT 1000`;
      let released = 0;
      // One transaction each, key then user like every other writer; a row another replica's
      // sweep or the request's own end took first is skipped.
      for (const { id } of rows) {
        // Counted after the commit: a deadlock loser's attempt is rolled back and runs again.
        const took = await retryingDeadlocks(() =>
          sql.begin(async (tx) => {
            const [taken] = await tx`DELETE FROM budget_reservations WHERE id = ${id} RETURNING api_key_id, user_id, key_micro_usd, user_micro_usd`;
            if (!taken) return false;
            if (taken.api_key_id !== null && Number(taken.key_micro_usd) > 0) await releaseOn(tx, "api_keys", taken.api_key_id, Number(taken.key_micro_usd));
            if (taken.user_id !== null && Number(taken.user_micro_usd) > 0) await releaseOn(tx, "users", taken.user_id, Number(taken.user_micro_usd));
            return true;
          }),
        );
        if (took) released++;
      }
      return released;
    },
  };
}
