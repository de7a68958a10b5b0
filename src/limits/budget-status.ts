/**
 * What a budget has left, as the admin API, the usage API and the CLI show it. The stored
 * counters belong to the period they were last touched in: read in a later period, nothing has
 * been spent yet in the current one.
 */
import type { Limits, SpendCounters } from "../store/types";
import { periodEndOf, periodStartOf } from "./budget-period";

export interface BudgetStatus {
  budgetMicroUsd: number;
  period: "daily" | "monthly" | "lifetime";
  periodStart: Date;
  /** When the budget resets; null for a lifetime budget. */
  resetsAt: Date | null;
  spentMicroUsd: number;
  /** Worst-case cost of requests in flight. */
  reservedMicroUsd: number;
  /** Budget − spent − reserved, never below 0. */
  remainingMicroUsd: number;
}

/** The budget's state at `now`, or null when no budget is set. */
export function budgetStatusOf(limits: Limits, spend: SpendCounters, now: Date): BudgetStatus | null {
  if (limits.budgetMicroUsd === null) return null;
  const periodStart = periodStartOf(limits.budgetPeriod, now);
  const spent = spend.periodStart?.getTime() === periodStart.getTime() ? spend.spentMicroUsd : 0;
  return {
    budgetMicroUsd: limits.budgetMicroUsd,
    period: limits.budgetPeriod ?? "lifetime",
    periodStart,
    resetsAt: periodEndOf(limits.budgetPeriod, now),
    spentMicroUsd: spent,
    reservedMicroUsd: spend.reservedMicroUsd,
    remainingMicroUsd: Math.max(0, limits.budgetMicroUsd - spent - spend.reservedMicroUsd),
  };
}
