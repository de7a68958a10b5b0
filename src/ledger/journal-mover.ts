/**
 * Moves usage rows from the ledger journal (where they became durable before the answer) into
 * the database's `usage_entries`, in bulk and off the request path: every `intervalMs`, or
 * sooner when `maxRows` wait, in transactions of at most JOURNAL_IMPORT_CHUNK rows. A bulk
 * insert of time-ordered rows touches few index pages, so a row costs a few microseconds here
 * against ~40 µs as its own commit.
 *
 * A failed move loses nothing: the rows are still in the journal and in memory; the mover logs,
 * waits longer each time, and tries again. At shutdown whatever could not be moved stays in the
 * journal, and the next process that opens the database imports it (ledger-journal.ts).
 */
import { type JournalEntry, type LedgerJournal, moveFirstChunk } from "../store/ledger-journal";
import type { UsageRow } from "../store/types";
import type { LedgerLogger } from "./ledger-sink";

export interface JournalMover {
  /** Append rows to the journal (durable on return) and queue them for the database. */
  write(rows: readonly UsageRow[]): void;
  /** Move every journaled row into the database now (before usage reads). */
  flush(): Promise<void>;
  /** Rows journaled but not yet in the database. */
  pendingCount(): number;
  /**
   * Move what can be moved, then close the journal; unmoved rows stay in it for the next start.
   * `waitMs` bounds the wait for that last move (default: no bound; the PostgreSQL spill passes
   * one, since its database may hang until the silence timeout and must not hold up shutdown).
   */
  close(waitMs?: number): Promise<void>;
}

export interface JournalMoverOptions {
  /** Longest a row waits in the journal before it is moved (default 100 ms). */
  intervalMs?: number;
  /** Move at once when this many rows wait (default 1000). */
  maxRows?: number;
  /** Longest wait between retries after a failed move (default 5 s). */
  maxRetryDelayMs?: number;
  /**
   * Rows already in the journal when the mover takes it over, moved first (a PostgreSQL spill
   * file claimed after a replica of the same name died with rows in it).
   */
  adopt?: readonly JournalEntry[];
  /** Called when a move pass leaves nothing waiting (the PostgreSQL spill logs that it drained). */
  onDrained?: () => void;
  logger: LedgerLogger;
}

export function createJournalMover(journal: LedgerJournal, insertBatch: (rows: UsageRow[]) => Promise<void> | void, options: JournalMoverOptions): JournalMover {
  const intervalMs = options.intervalMs ?? 100;
  const maxRows = options.maxRows ?? 1000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  let waiting: JournalEntry[] = [...(options.adopt ?? [])];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let moving: Promise<void> | undefined;
  let failures = 0;
  let closed = false;

  function schedule(delayMs: number): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void move().catch(() => undefined);
    }, delayMs);
    // A pending move must not keep a finished process alive; close() moves what is left.
    timer.unref?.();
  }

  /** One pass over everything waiting; concurrent callers share the pass in progress. */
  function move(): Promise<void> {
    // Cleared in a `finally` callback, which runs after this assignment even when the pass
    // fails synchronously.
    moving ??= movePass().finally(() => {
      moving = undefined;
    });
    return moving;
  }

  async function movePass(): Promise<void> {
    try {
      while (waiting.length > 0) {
        // Rows written meanwhile are appended to `waiting`: drop only what was moved.
        const moved = await moveFirstChunk(journal, waiting, insertBatch);
        waiting = waiting.slice(moved);
      }
      failures = 0;
      options.onDrained?.();
    } catch (error) {
      failures += 1;
      const retryMs = Math.min(intervalMs * 2 ** failures, maxRetryDelayMs);
      options.logger.error({ err: error, rows: waiting.length, failures, retryMs }, "moving ledger rows from the journal to the database failed; they stay in the journal and will be retried");
      schedule(retryMs);
      throw error;
    }
  }

  if (waiting.length > 0) schedule(0);

  return {
    write(rows) {
      if (closed) throw new Error("ledger journal is closed");
      const seq = journal.append(rows);
      for (const row of rows) waiting.push({ seq, row });
      // After a failed move the retry timer decides: a database that is away would otherwise be
      // tried again on every write once maxRows wait (a log line and a connection attempt each).
      if (waiting.length >= maxRows && failures === 0) void move().catch(() => undefined);
      else schedule(intervalMs);
    },

    async flush() {
      if (moving) await moving.catch(() => undefined);
      if (waiting.length > 0) await move();
    },

    pendingCount() {
      return waiting.length;
    },

    async close(waitMs) {
      if (closed) return;
      try {
        if (waitMs === undefined) await this.flush();
        else await withDeadline(this.flush(), waitMs);
      } catch {
        options.logger.warn({ rows: waiting.length, journal: journal.path }, "ledger rows left in the journal at shutdown; the next start imports them");
      } finally {
        closed = true;
        clearTimeout(timer);
        journal.close();
      }
    },
  };
}

/** `promise`, or a rejection once `ms` have passed (the promise itself is left to settle on its own). */
async function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
