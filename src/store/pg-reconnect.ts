/**
 * How long a postgres.js connection waits before it connects again after its last connection
 * failed, in seconds (its `backoff` option, given the pool's count of failures since the last
 * successful connection).
 *
 * postgres.js's default grows 3^n / 100 s up to 20 s (times 0.5–1), and the count is shared by
 * the pool and reset only by a connection that succeeds. During an outage every key check and
 * ledger retry adds to it, so after a few dozen failures each connection waited 10–20 s before
 * trying again: the first requests after the database came back hung that long (it looked like
 * the 10 s connect timeout), and requests during the outage took as long to get their 503.
 * Connecting is attempted only for a query waiting to run, so the load on a recovering database
 * is bounded by the request rate anyway; a short, capped delay is enough to spread the retries.
 */

/** The longest wait between two connection attempts of one connection. */
export const PG_RECONNECT_MAX_DELAY_S = 0.5;

export function pgReconnectDelaySeconds(failures: number): number {
  // 10 ms, 20 ms, 40 ms … up to the cap, with jitter so a pool's connections do not retry together.
  const base = Math.min(0.01 * 2 ** Math.min(failures, 16), PG_RECONNECT_MAX_DELAY_S);
  return base * (0.5 + Math.random() / 2);
}
