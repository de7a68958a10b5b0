/**
 * The ledger writer: group commit. Rows queue in memory; a batch is written as one INSERT
 * (one transaction) when `maxBatchSize` rows wait or `maxDelayMs` has passed, and while one
 * batch is being written the next one gathers. `record()` resolves only after its batch
 * committed, so a caller that awaits it before the final event knows the row is durable
 * (reliability-anchors §2.13); the wait costs a few milliseconds, not a commit per request.
 *
 * Batching only pays when other requests are running: a row whose request is the only one in
 * flight (`expectRow` counts them) is written at once, without waiting a turn of the event loop
 * for company that cannot come. That is PostgreSQL's `commit_siblings` rule for `commit_delay`;
 * on the bench VM the wait cost ~20 µs per request at one connection.
 *
 * Rows are never dropped: a failed write is logged and retried with backoff (the unique
 * request id makes a retry after an ambiguous failure harmless). After a few failures a
 * batch is split into single rows so one bad row cannot hold the others back. Only `close()`
 * with a dead database gives up, after `closeTimeoutMs`: it then logs every unwritten row in
 * full at error level and rejects their `record()` promises, so nothing is lost silently.
 *
 * PostgreSQL deployments pass a local spill (ledger-spill.ts): a write that failed because the
 * database is unreachable is handed to it, and once the rows are durable there the batch counts
 * as written. Only the failure path looks at it; a write that succeeds runs the same code as
 * without it.
 */
import type { Store, UsageRow } from "../store/types";
import type { PriceTable } from "./price-table";
import { toUsageRow } from "./to-usage-row";
import type { LedgerEntry, LedgerSink } from "./types";

/** The subset of pino the sink uses. */
export interface LedgerLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface LedgerSinkOptions {
  /** Price table for the cost column; null leaves cost unknown. */
  prices: PriceTable | null;
  /**
   * Where a batch is made durable (default: inserted into the store's usage table). The daemon
   * on SQLite passes the ledger journal's append (journal-mover.ts).
   */
  write?: (rows: UsageRow[]) => Promise<void> | void;
  /**
   * Called with a batch whose write failed, before any retry: true when it made the rows durable
   * elsewhere (the PostgreSQL spill), and the batch then counts as written. Must not throw.
   */
  onWriteFailed?: (rows: UsageRow[], error: unknown) => boolean;
  /** Rows made durable by `onWriteFailed` that have not reached the database yet (for /readyz). */
  spilledCount?: () => number;
  /** Flush as soon as this many rows wait (default 256). */
  maxBatchSize?: number;
  /** Longest a row waits for company before its batch is written (default 0: the next event-loop turn). */
  maxDelayMs?: number;
  /** First retry delay, doubled up to `maxRetryDelayMs` (defaults 50 ms and 5 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Failures before a batch is split into single rows (default 3). */
  splitAfterFailures?: number;
  /** How long `close()` keeps retrying a failing database (default 30 s). */
  closeTimeoutMs?: number;
  logger?: LedgerLogger;
  now?: () => Date;
}

interface PendingRow {
  row: UsageRow;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class LedgerClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerClosedError";
  }
}

const consoleLogger: LedgerLogger = {
  warn: (object, message) => console.warn(message, object),
  error: (object, message) => console.error(message, object),
};

export interface GroupCommitLedgerSink extends LedgerSink {
  expectRow(): void;
  /** Rows accepted but not yet committed (for health and metrics). */
  pendingCount(): number;
  failing(): boolean;
  spilledCount(): number;
}

export function createLedgerSink(store: Store, options: LedgerSinkOptions): GroupCommitLedgerSink {
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 256);
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? 0);
  const retryDelayMs = options.retryDelayMs ?? 50;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  const splitAfter = options.splitAfterFailures ?? 3;
  const closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
  const logger = options.logger ?? consoleLogger;
  const now = options.now ?? (() => new Date());
  const write = options.write ?? ((rows: UsageRow[]) => store.usage.insertBatch(rows));

  let queue: PendingRow[] = [];
  let inFlight: PendingRow[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let immediate: ReturnType<typeof setImmediate> | null = null;
  let writer: Promise<void> | null = null;
  let closed = false;
  /** Set when close() gave up: retry loops stop and reject. */
  let abandoned = false;
  let wakeRetry: (() => void) | null = null;
  /** Requests started (expectRow) whose row has not been recorded yet. */
  let expected = 0;
  /** Batches currently between a failed write and a successful one. */
  let batchesFailing = 0;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        wakeRetry = null;
        resolve();
      }, ms);
      wakeRetry = () => {
        clearTimeout(handle);
        wakeRetry = null;
        resolve();
      };
    });
  }

  async function writeWithRetry(batch: PendingRow[]): Promise<void> {
    let failures = 0;
    let delay = retryDelayMs;
    for (;;) {
      if (abandoned) throw new LedgerClosedError("ledger closed before the row could be written");
      try {
        await write(batch.map((pending) => pending.row));
        if (failures > 0) batchesFailing -= 1;
        for (const pending of batch) pending.resolve();
        return;
      } catch (error) {
        if (options.onWriteFailed?.(batch.map((pending) => pending.row), error)) {
          if (failures > 0) batchesFailing -= 1;
          for (const pending of batch) pending.resolve();
          return;
        }
        if (failures === 0) batchesFailing += 1;
        failures += 1;
        // The first failure in full (the query and stack help); the retries, every few seconds
        // for as long as the database refuses, as one short line each (a driver's error with
        // its query and parameters is ~5 KB, which filled logs during an outage).
        if (failures === 1) logger.error({ err: error, rows: batch.length, failures }, "ledger write failed; retrying (rows are kept)");
        else logger.error({ error: shortErrorMessage(error), rows: batch.length, failures }, "ledger write failed again; retrying (rows are kept)");
        if (batch.length > 1 && failures >= splitAfter) {
          batchesFailing -= 1; // each row now fails or succeeds on its own
          for (const pending of batch) await writeWithRetry([pending]);
          return;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      inFlight = queue.splice(0, maxBatchSize);
      try {
        await writeWithRetry(inFlight);
      } catch (error) {
        for (const pending of inFlight) pending.reject(error as Error);
      }
      inFlight = [];
    }
  }

  function startWriter(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (immediate) {
      clearImmediate(immediate);
      immediate = null;
    }
    if (writer) return;
    writer = drain().finally(() => {
      writer = null;
      if (queue.length > 0) schedule();
    });
  }

  function schedule(): void {
    // While a batch is being written, newcomers wait for it: the writer loop takes them next.
    if (writer) return;
    if (queue.length >= maxBatchSize || closed) startWriter();
    // maxDelayMs 0 (the default): write on the next turn of the event loop, so rows recorded in
    // the same turn share a commit and nobody waits for a timer; under load the batch that
    // gathers while a commit runs goes next. A fixed 5 ms wait was 5 ms added to every request.
    else if (maxDelayMs === 0) immediate ??= setImmediate(startWriter);
    else if (!timer) timer = setTimeout(startWriter, maxDelayMs);
  }

  return {
    expectRow() {
      expected += 1;
    },

    record(entry: LedgerEntry): Promise<void> {
      // The only request in flight: its row is the one row expected (callers that never call
      // expectRow keep plain batching).
      const alone = expected === 1;
      if (expected > 0) expected -= 1;
      if (closed) return Promise.reject(new LedgerClosedError("ledger sink is closed"));
      let row: UsageRow;
      try {
        row = toUsageRow(entry, options.prices, now());
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        if (alone && !writer && queue.length === 1) startWriter();
        else schedule();
      });
    },

    pendingCount() {
      return queue.length + inFlight.length;
    },

    failing() {
      return batchesFailing > 0;
    },

    spilledCount() {
      return options.spilledCount?.() ?? 0;
    },

    async close(): Promise<void> {
      closed = true;
      startWriter();
      const done = (async () => {
        while (writer) await writer;
      })();
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        done.then(() => false),
        new Promise<boolean>((resolve) => {
          deadline = setTimeout(() => resolve(true), closeTimeoutMs);
        }),
      ]);
      clearTimeout(deadline);
      if (!timedOut) return;
      const unwritten = [...inFlight, ...queue];
      for (const pending of unwritten) logger.error({ row: pending.row }, "ledger row NOT written: database unavailable at shutdown");
      abandoned = true;
      const error = new LedgerClosedError(`ledger closed with ${unwritten.length} unwritten rows (logged)`);
      for (const pending of queue.splice(0)) pending.reject(error);
      wakeRetry?.();
      // Not awaiting `done`: a hung connection must not hang shutdown; the loop ends at its next turn.
      done.catch(() => {});
      throw error;
    },
  };
}

/** An error's first line and code, without the query, parameters or stack a driver attaches. */
export function shortErrorMessage(error: unknown): string {
  const err = error as { message?: unknown; code?: unknown } | null;
  const message = typeof err?.message === "string" ? err.message.split("\n")[0]!.slice(0, 300) : String(error).slice(0, 300);
  return typeof err?.code === "string" ? `${err.code}: ${message}` : message;
}
