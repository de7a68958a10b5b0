/**
 * Reservations a crashed process left behind must not hold a budget forever. Every reservation
 * expires (limits.reservation_ttl_seconds after admission, longer than any request should
 * run); each gateway releases expired ones every minute, on any replica. On SQLite the
 * gateway that owns the ledger journal is the only gateway on the file, so at start every
 * reservation still there belongs to a dead process and is released at once.
 */
import type { BudgetRepository } from "../store/types";

const SWEEP_EVERY_MS = 60_000;

export function startReservationSweeper(budgets: BudgetRepository, logger: { info(object: object, message: string): void; warn(object: object, message: string): void }, options: { releaseAllNow: boolean }): () => void {
  const sweep = (everything: boolean) =>
    budgets.releaseExpired(new Date(), { everything }).then(
      (count) => count > 0 && logger.info({ count }, everything ? "released budget reservations left by a gateway that stopped without ending its requests" : "released expired budget reservations"),
      (error: unknown) => logger.warn({ err: error }, "releasing expired budget reservations failed; retried in a minute"),
    );
  void sweep(options.releaseAllNow);
  const timer = setInterval(() => void sweep(false), SWEEP_EVERY_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}
