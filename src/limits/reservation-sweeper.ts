/**
 * Reservations a crashed process left behind must not hold a budget forever. Every reservation
 * expires (limits.reservation_ttl_seconds after admission, longer than any request should
 * run); each gateway releases expired ones every minute, on any replica. On SQLite the
 * gateway that owns the ledger journal is the only gateway on the file, so at start every
 * request reservation still there belongs to a dead process and is released at once. Not a
 * native background run's (request-limits.ts `handOver`): it expires after the run's follow
 * limit, later than any request's, and stays held until the run, followed again after the
 * restart, ends and charges its cost.
 */
import type { BudgetRepository } from "../store/types";

const SWEEP_EVERY_MS = 60_000;

export function startReservationSweeper(budgets: BudgetRepository, logger: { info(object: object, message: string): void; warn(object: object, message: string): void }, options: { releaseAllNow: boolean; reservationTtlMs: number }): () => void {
  // A request admitted before now expires before now + TTL; a handed-over background run's later.
  const sweep = (everything: boolean) =>
    budgets.releaseExpired(new Date(Date.now() + (everything ? options.reservationTtlMs : 0))).then(
      (count) => count > 0 && logger.info({ count }, everything ? "released budget reservations left by a gateway that stopped without ending its requests" : "released expired budget reservations"),
      (error: unknown) => logger.warn({ err: error }, "releasing expired budget reservations failed; retried in a minute"),
    );
  void sweep(options.releaseAllNow);
  const timer = setInterval(() => void sweep(false), SWEEP_EVERY_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}
