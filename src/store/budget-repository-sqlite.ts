/**
 * Budget reservations on SQLite (BudgetRepository in types.ts). Each operation is one
 * `BEGIN IMMEDIATE` transaction of prepared statements run synchronously: it takes SQLite's
 * write lock before reading, so neither another request of this process (nothing can
 * interleave with synchronous code) nor another process on the same file can pass the same
 * budget check at the same time (reliability-anchors §2.12: LiteLLM's check-then-increment let
 * concurrent requests through together).
 */
import type { Database } from "bun:sqlite";
import { LIFETIME_START, periodStartOf } from "../limits/budget-period";
import type { BudgetRepository } from "./types";

/** spent_micro_usd as of the period starting at ?1: a row still on an older period has spent nothing in this one. */
const SPENT_IN_PERIOD = "(CASE WHEN spend_period_start = ?1 THEN spent_micro_usd ELSE 0 END)";

/** Reserve ?2 on row ?3 if it fits the budget (a null budget always fits), rolling the period forward to ?1. */
const reserveSql = (table: string) =>
  `UPDATE ${table} SET spent_micro_usd = ${SPENT_IN_PERIOD}, spend_period_start = ?1, reserved_micro_usd = reserved_micro_usd + ?2
   WHERE id = ?3 AND (budget_micro_usd IS NULL OR ${SPENT_IN_PERIOD} + reserved_micro_usd + ?2 <= budget_micro_usd)`;

/**
 * The start of the row's current period, of the budget period the row has now: ?1 the day's
 * start, ?2 the month's, ?3 the lifetime start (README "Limits and budgets").
 */
const ROW_PERIOD_START = "(CASE budget_period WHEN 'daily' THEN ?1 WHEN 'monthly' THEN ?2 ELSE ?3 END)";

/**
 * Charge ?4 in the row's current period and take back ?5 of the reservation on row ?6. The
 * period is the row's own, not the one the request was admitted under: a period changed while
 * the request ran (which restarts the spend from the ledger, limit-columns.ts) must not be
 * stamped back to the old one, which made the next admission read the spend as belonging to
 * another period and count it from 0.
 */
const settleSql = (table: string) =>
  `UPDATE ${table} SET spent_micro_usd = (CASE WHEN spend_period_start = ${ROW_PERIOD_START} THEN spent_micro_usd ELSE 0 END) + ?4,
     spend_period_start = ${ROW_PERIOD_START}, reserved_micro_usd = MAX(reserved_micro_usd - ?5, 0) WHERE id = ?6`;

/** Take back ?1 of the reservation on row ?2 (no charge: the sweeper does not know the cost). */
const releaseSql = (table: string) => `UPDATE ${table} SET reserved_micro_usd = MAX(reserved_micro_usd - ?1, 0) WHERE id = ?2`;

interface ReservationRow {
  id: string;
  api_key_id: number | null;
  user_id: number | null;
  key_micro_usd: number;
  user_micro_usd: number;
}

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

interface BudgetStateRow {
  budget_micro_usd: number | null;
  taken: number;
}

/** The budget of row ?2 and what its period starting at ?1 has spent and reserved (for a refusal's message). */
const budgetStateSql = (table: string) => `SELECT budget_micro_usd, ${SPENT_IN_PERIOD} + reserved_micro_usd AS taken FROM ${table} WHERE id = ?2`;

function exhausted(which: "key" | "user", row: BudgetStateRow | null): Exhausted {
  const budget = row?.budget_micro_usd ?? 0;
  return new Exhausted(which, budget, Math.max(0, budget - (row?.taken ?? 0)));
}

export function createSqliteBudgetRepository(client: Database): BudgetRepository {
  // Prepared lazily: the tables exist only after the migrations ran.
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      reserveKey: client.prepare(reserveSql("api_keys")),
      reserveUser: client.prepare(reserveSql("users")),
      keyState: client.prepare<BudgetStateRow, [number, number]>(budgetStateSql("api_keys")),
      userState: client.prepare<BudgetStateRow, [number, number]>(budgetStateSql("users")),
      insert: client.prepare("INSERT INTO budget_reservations (id, api_key_id, user_id, key_micro_usd, user_micro_usd, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
      take: client.prepare<ReservationRow, [string]>("DELETE FROM budget_reservations WHERE id = ? RETURNING id, api_key_id, user_id, key_micro_usd, user_micro_usd"),
      settleKey: client.prepare(settleSql("api_keys")),
      settleUser: client.prepare(settleSql("users")),
      releaseKey: client.prepare(releaseSql("api_keys")),
      releaseUser: client.prepare(releaseSql("users")),
      extend: client.prepare("UPDATE budget_reservations SET expires_at = ? WHERE id = ?"),
      expired: client.prepare<ReservationRow, [number]>("SELECT id, api_key_id, user_id, key_micro_usd, user_micro_usd FROM budget_reservations WHERE expires_at <= ? LIMIT 1000"),
    };
  }
  const use = () => (statements ??= prepare());

  const reserve = client.transaction((r: Parameters<BudgetRepository["reserve"]>[0]) => {
    const s = use();
    // Key before user, everywhere: the same lock order as PostgreSQL (no deadlock there).
    if (r.keyMicroUsd > 0 && r.apiKeyId !== null && s.reserveKey.run(r.keyPeriodStart.getTime(), r.keyMicroUsd, r.apiKeyId).changes === 0) throw exhausted("key", s.keyState.get(r.keyPeriodStart.getTime(), r.apiKeyId));
    if (r.userMicroUsd > 0 && r.userId !== null && s.reserveUser.run(r.userPeriodStart.getTime(), r.userMicroUsd, r.userId).changes === 0) throw exhausted("user", s.userState.get(r.userPeriodStart.getTime(), r.userId));
    s.insert.run(r.id, r.apiKeyId, r.userId, r.keyMicroUsd, r.userMicroUsd, r.now.getTime(), r.expiresAt.getTime());
  });

  const settle = client.transaction((r: Parameters<BudgetRepository["settle"]>[0]) => {
    const s = use();
    const taken = s.take.get(r.id);
    if (!taken && r.onlyIfReserved) return;
    const keyBack = taken?.key_micro_usd ?? 0;
    const userBack = taken?.user_micro_usd ?? 0;
    const day = periodStartOf("daily", r.at).getTime();
    const month = periodStartOf("monthly", r.at).getTime();
    const lifetime = LIFETIME_START.getTime();
    if (r.apiKeyId !== null && (r.chargeKey || keyBack > 0)) s.settleKey.run(day, month, lifetime, r.chargeKey ? r.costMicroUsd : 0, keyBack, r.apiKeyId);
    if (r.userId !== null && (r.chargeUser || userBack > 0)) s.settleUser.run(day, month, lifetime, r.chargeUser ? r.costMicroUsd : 0, userBack, r.userId);
  });

  const releaseExpired = client.transaction((before: number): number => {
    const s = use();
    const rows = s.expired.all(before);
    for (const row of rows) {
      s.take.get(row.id);
      if (row.api_key_id !== null && row.key_micro_usd > 0) s.releaseKey.run(row.key_micro_usd, row.api_key_id);
      if (row.user_id !== null && row.user_micro_usd > 0) s.releaseUser.run(row.user_micro_usd, row.user_id);
    }
    return rows.length;
  });

  return {
    async reserve(reservation) {
      try {
        reserve.immediate(reservation);
        return { ok: true };
      } catch (error) {
        if (error instanceof Exhausted) return { ok: false, exhausted: error.which, budgetMicroUsd: error.budgetMicroUsd, remainingMicroUsd: error.remainingMicroUsd };
        throw error;
      }
    },
    async settle(settlement) {
      settle.immediate(settlement);
    },
    async extend(id, expiresAt) {
      return use().extend.run(expiresAt.getTime(), id).changes > 0;
    },
    async releaseExpired(now, options = {}) {
      return releaseExpired.immediate(options.everything ? Number.MAX_SAFE_INTEGER : now.getTime());
    },
  };
}
