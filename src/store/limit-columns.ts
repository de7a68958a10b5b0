/**
 * The limit and spend columns shared by `users` and `api_keys`: row → record, and the columns
 * a limits patch writes. Setting a budget where there was none (or changing its period) starts
 * its spend from the ledger's cost of the current period, so a budget set mid-month on a key
 * that already spent counts that spend: the counters are kept only while a budget is set.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import { periodStartOf } from "../limits/budget-period";
import type { DbContext } from "./db-context";
import type { BudgetPeriod, Limits, LimitsPatch, SpendCounters } from "./types";

const optionalNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toLimits(row: Record<string, unknown>): Limits {
  return {
    budgetMicroUsd: optionalNumber(row.budgetMicroUsd),
    budgetPeriod: (row.budgetPeriod as BudgetPeriod | null) ?? null,
    rpmLimit: optionalNumber(row.rpmLimit),
    tpmLimit: optionalNumber(row.tpmLimit),
  };
}

export function toSpend(row: Record<string, unknown>): SpendCounters {
  return {
    spentMicroUsd: Number(row.spentMicroUsd ?? 0),
    reservedMicroUsd: Number(row.reservedMicroUsd ?? 0),
    periodStart: (row.spendPeriodStart as Date | null) ?? null,
  };
}

/** Whose ledger rows a budget counts. */
export type SpendOwner = { apiKeyId: number } | { userId: number };

async function ledgerSpendSince(ctx: DbContext, owner: SpendOwner, since: Date): Promise<number> {
  const { usageEntries } = ctx.tables;
  const who = "apiKeyId" in owner ? eq(usageEntries.apiKeyId, owner.apiKeyId) : eq(usageEntries.userId, owner.userId);
  const [row] = await ctx.db
    .select({ total: sql<string | number>`coalesce(sum(${usageEntries.costMicroUsd}), 0)` })
    .from(usageEntries)
    .where(and(who, gte(usageEntries.startedAt, since)));
  return Number(row?.total ?? 0);
}

/** The columns to set for `patch` on a row whose limits are `current` (null: a new row, which has spent nothing). */
export async function limitColumns(ctx: DbContext, current: Limits | null, patch: LimitsPatch | undefined, owner: SpendOwner | null, now: Date): Promise<Record<string, unknown>> {
  if (!patch) return {};
  const set: Record<string, unknown> = {};
  if (patch.budgetMicroUsd !== undefined) set.budgetMicroUsd = patch.budgetMicroUsd;
  if (patch.budgetPeriod !== undefined) set.budgetPeriod = patch.budgetPeriod;
  if (patch.rpmLimit !== undefined) set.rpmLimit = patch.rpmLimit;
  if (patch.tpmLimit !== undefined) set.tpmLimit = patch.tpmLimit;
  const budget = patch.budgetMicroUsd !== undefined ? patch.budgetMicroUsd : (current?.budgetMicroUsd ?? null);
  const period = patch.budgetPeriod !== undefined ? patch.budgetPeriod : (current?.budgetPeriod ?? null);
  const newlyCounted = budget !== null && (current === null || current.budgetMicroUsd === null || period !== current.budgetPeriod);
  if (newlyCounted) {
    const start = periodStartOf(period, now);
    set.spendPeriodStart = start;
    set.spentMicroUsd = owner && current !== null ? await ledgerSpendSince(ctx, owner, start) : 0;
  }
  return set;
}
