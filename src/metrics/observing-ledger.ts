/**
 * The ledger sink the proxy writes to when metrics are on: each row is counted as it goes to the
 * ledger, then handed on unchanged. Counting at the sink, rather than where the ordinary path
 * builds its row (ledger-recorder.ts), counts every row once with the figures the ledger keeps:
 * a native background run's creating call holds its row back and the run's final row, with
 * the final usage, is written later by native-background.ts, outside that path.
 */
import type { LedgerEntry, LedgerSink } from "../ledger/types";
import type { Logger } from "../log/logger";

export function observingLedger(ledger: LedgerSink, observe: (entry: LedgerEntry) => void, logger: Pick<Logger, "error">): LedgerSink {
  let complained = false;
  const observed: LedgerSink = {
    record(entry) {
      try {
        observe(entry);
      } catch (error) {
        // A metrics fault must never cost a ledger row; said once, not on every request.
        if (!complained) logger.error({ err: error }, "counting a request for /metrics failed; the ledger row is written regardless");
        complained = true;
      }
      return ledger.record(entry);
    },
    close: () => ledger.close(),
  };
  // Only what the sink has: callers read these as optional (`ledger.failing?.()`).
  if (ledger.expectRow) observed.expectRow = () => ledger.expectRow!();
  if (ledger.failing) observed.failing = () => ledger.failing!();
  if (ledger.spilledCount) observed.spilledCount = () => ledger.spilledCount!();
  if (ledger.pendingCount) observed.pendingCount = () => ledger.pendingCount!();
  return observed;
}
