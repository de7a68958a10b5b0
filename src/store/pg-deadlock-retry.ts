/**
 * PostgreSQL transactions that lost a deadlock or a serialization conflict, run again.
 *
 * Every writer locks rows key first, then user (budget-repository-pg.ts), but a foreign key
 * check takes its own lock on the referenced user row: a key created while the same user is
 * deleted, and used with a budget within milliseconds, could close a cycle. PostgreSQL then
 * aborts one of the transactions with 40P01, and that caller got a 500 for a conflict nobody
 * caused. The aborted transaction changed nothing, so running it again is safe; the server's
 * own advice for both codes is to retry.
 */

/** deadlock_detected and serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE_CODES = new Set(["40P01", "40001"]);
const MAX_ATTEMPTS = 4;

/** The PostgreSQL error code of `error` or of an error it wraps (drizzle wraps the driver's error as `cause`). */
export function pgErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Runs `transaction`, again (up to MAX_ATTEMPTS in all, after a short random pause) when PostgreSQL aborted it as a deadlock or serialization loser. */
export async function retryingDeadlocks<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const code = pgErrorCode(error);
      if (attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE_CODES.has(code)) throw error;
      // Apart in time, so the two losers of one cycle do not meet again.
      await Bun.sleep(2 + Math.random() * 8 * attempt);
    }
  }
}
