/**
 * A settlement that fails (the database away for a moment) is retried a few times in the
 * background; the request's end does not wait past the first attempt. If it never succeeds its
 * reservation is released when it expires, but the cost is then missing from the budget's
 * counters (never from the ledger): logged at error level with what to check.
 */
import type { BudgetRepository, BudgetSettlement } from "../store/types";

const RETRY_DELAYS_MS = [200, 1_000, 5_000, 15_000];

export async function settleWithRetries(budgets: BudgetRepository, logger: { error(object: object, message: string): void; warn(object: object, message: string): void }, settlement: BudgetSettlement): Promise<void> {
  try {
    await budgets.settle(settlement);
    return;
  } catch (error) {
    logger.warn({ err: error, requestId: settlement.id }, "budget settlement failed; retrying in the background");
  }
  void (async () => {
    for (const delay of RETRY_DELAYS_MS) {
      await Bun.sleep(delay);
      try {
        await budgets.settle(settlement);
        return;
      } catch (error) {
        if (delay === RETRY_DELAYS_MS.at(-1)) {
          logger.error({ err: error, requestId: settlement.id, apiKeyId: settlement.apiKeyId, userId: settlement.userId, costMicroUsd: settlement.costMicroUsd }, "budget settlement failed for good: the reservation is released when it expires, but this cost is missing from the budget's spend (the ledger row has it)");
        }
      }
    }
  })();
}
