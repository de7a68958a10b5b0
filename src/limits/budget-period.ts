/**
 * Budget periods. A budget with a period resets at the start of each UTC calendar day or month
 * (what finance teams reconcile against); one without is a lifetime budget that never resets.
 * The spend counters remember which period they belong to (`spend_period_start`), so a reset
 * needs no job: the first request of a new period finds an older start and counts from 0.
 */
import type { BudgetPeriod } from "../store/types";

/** The period start stored for lifetime budgets. */
export const LIFETIME_START = new Date(0);

/** Start of the period containing `now`. */
export function periodStartOf(period: BudgetPeriod | null, now: Date): Date {
  if (period === "daily") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === "monthly") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return LIFETIME_START;
}

/** When the period containing `now` ends (null for lifetime budgets, which never reset). */
export function periodEndOf(period: BudgetPeriod | null, now: Date): Date | null {
  if (period === "daily") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  if (period === "monthly") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return null;
}
