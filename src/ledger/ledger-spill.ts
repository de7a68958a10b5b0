/**
 * The local spill of a PostgreSQL deployment's ledger. Rows normally commit straight into the
 * shared database (replicas see each other's usage at once). When that write fails because the
 * database cannot be reached (a restart, a failover, a cut network: database-unreachable.ts), a
 * request the upstream already answered, and that was paid for, used to wait for its row until
 * the database came back: its client hung for the whole outage, timed out and retried (paying
 * twice). Now the batch is appended to a per-replica SQLite file in the data directory
 * (spill-files.ts), durable with `synchronous=FULL` before the answers are released, and the
 * journal mover forwards it to PostgreSQL once it answers again. The insert skips request ids
 * already there, so a batch whose commit reached PostgreSQL before the connection broke (an
 * ambiguous failure) is not doubled.
 *
 * - When: at once, on the first write that fails as unreachable, or that PostgreSQL has not
 *   answered within `database.pg_request_timeout_ms` (2 s by default; a silent partition would
 *   otherwise fail it only when `database.pg_silence_timeout_ms` closes the connection, 30 s).
 *   The insert that ran out of time is not cancelled (it cannot be, through a partition): if it
 *   commits after all, the mover's insert of the same rows skips them, as for any ambiguous
 *   failure; if it fails, nobody hears of it. Either way each row lands once.
 * - While rows wait in the spill, new batches join them there without trying PostgreSQL (no
 *   connection attempt, up to connect_timeout, per batch; rows stay in order). The mover tries
 *   PostgreSQL in the background (100 ms, doubling to 5 s); once it has moved everything, rows
 *   go straight to PostgreSQL again.
 * - If the spill cannot be written either (a full or read-only disk), the batch is not answered:
 *   the ledger sink keeps retrying it, and its answers wait as they did before the spill existed.
 *   Never an answer without a durable row.
 * - Nothing here runs while PostgreSQL is reachable: the write is the plain insert, and the file
 *   is opened only on the first failure.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { withDatabaseDeadline } from "../store/database-deadline";
import { isDatabaseUnreachable } from "../store/database-unreachable";
import { claimLedgerJournal, type LedgerJournal } from "../store/ledger-journal";
import type { UsageRow } from "../store/types";
import { createJournalMover, type JournalMover } from "./journal-mover";
import type { LedgerLogger } from "./ledger-sink";

export interface LedgerSpill {
  /** The ledger sink's write: PostgreSQL, or the spill while rows wait there. */
  write(rows: UsageRow[]): Promise<void> | void;
  /**
   * After a failed PostgreSQL write: when the database is unreachable, append the rows to the
   * spill. True when they are durable there (the batch counts as written).
   */
  takeFailed(rows: UsageRow[], error: unknown): boolean;
  /** Rows in the spill that have not reached PostgreSQL yet. */
  pendingCount(): number;
  /** Move spilled rows to PostgreSQL now (the usage API does this before reading). */
  flush(): Promise<void>;
  /** Try a last move (bounded), then close the file; what stays is imported by the next start. */
  close(): Promise<void>;
}

export interface LedgerSpillOptions {
  /** File paths to claim, in order of preference (spill-files.ts). */
  candidates: readonly string[];
  insertBatch: (rows: UsageRow[]) => Promise<void> | void;
  logger: LedgerLogger & { info(object: object, message: string): void };
  /**
   * Longest a batch waits for PostgreSQL before it goes to the spill (`database.pg_request_timeout_ms`;
   * 0 or absent: until the insert fails).
   */
  requestTimeoutMs?: number;
  /** Longest the last move at shutdown may take (default 2 s). */
  closeWaitMs?: number;
  /** Called when the spill has drained (PostgreSQL has every row again): open-spill.ts sweeps dead peers' files then. */
  onDrained?: () => void;
  /** The mover's timings (tests). */
  intervalMs?: number;
  maxRetryDelayMs?: number;
}

export function createLedgerSpill(options: LedgerSpillOptions): LedgerSpill {
  const { candidates, insertBatch, logger } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 0;
  let mover: JournalMover | undefined;
  let path: string | undefined;
  /** The spill episode in progress: since when rows are spilled, and how many. */
  let episode: { since: number; rows: number } | undefined;
  /** One error line per run of spill write failures, not one per retried batch. */
  let diskFailureLogged = false;
  let closed = false;

  const moverLogger: LedgerLogger = {
    warn: (object, message) => logger.warn(object, message),
    // The database being away is why rows are here, and the start line said so: a line per
    // failed retry would be a flood. Any other failure (a fault, not the outage) is logged.
    error: (object, message) => {
      if (!isDatabaseUnreachable((object as { err?: unknown }).err)) logger.error(object, message);
    },
  };

  function onDrained(): void {
    if (!episode) return;
    logger.info({ spill: path, rows: episode.rows, spilledForMs: Date.now() - episode.since }, "ledger spill drained: every spilled usage row is now in PostgreSQL");
    episode = undefined;
    options.onDrained?.();
  }

  /** The spill file, claimed on first use and kept (locked) until close. */
  function claim(): JournalMover {
    if (mover) return mover;
    mkdirSync(dirname(candidates[0]!), { recursive: true, mode: 0o700 });
    for (const candidate of candidates) {
      // Always FULL: these rows' only copy, until PostgreSQL has them, is this file.
      const journal: LedgerJournal | undefined = claimLedgerJournal(candidate, { synchronous: "FULL" });
      if (!journal) continue; // another live process on this data directory has that name
      path = candidate;
      // Rows a dead process of the same name left after this one started (the start-up import
      // ran before it died) are moved first.
      const adopt = journal.entries();
      mover = createJournalMover(journal, insertBatch, {
        logger: moverLogger,
        onDrained,
        adopt,
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        ...(options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs }),
      });
      return mover;
    }
    throw new Error(`every ledger spill file name is held by another live process (${candidates.join(", ")})`);
  }

  /** Append durably; false (logged once) when the local disk fails too. Never throws. */
  function append(rows: UsageRow[], cause: unknown): boolean {
    if (closed) return false;
    try {
      claim().write(rows);
    } catch (error) {
      if (!diskFailureLogged) {
        diskFailureLogged = true;
        logger.error({ err: error, spill: path ?? candidates[0] }, "ledger spill cannot be written either: answers wait until PostgreSQL takes their usage rows (kept in memory, retried)");
      }
      return false;
    }
    diskFailureLogged = false;
    if (!episode) {
      episode = { since: Date.now(), rows: 0 };
      logger.warn({ spill: path, err: cause }, "PostgreSQL unreachable: usage rows go to the local ledger spill until it is back (answers are not held up)");
    }
    episode.rows += rows.length;
    return true;
  }

  /**
   * The plain insert, bounded: past the bound the sink hands the batch to takeFailed (the error
   * counts as unreachable). Only the answers' wait is bounded; the mover's own moves are not.
   */
  function insertInTime(rows: UsageRow[]): Promise<void> | void {
    const inserting = insertBatch(rows);
    return inserting ? withDatabaseDeadline(Promise.resolve(inserting), requestTimeoutMs, "a ledger write") : inserting;
  }

  return {
    write(rows) {
      if (mover === undefined || mover.pendingCount() === 0) return insertInTime(rows);
      // PostgreSQL was away at the last try and rows wait for it: join them.
      if (append(rows, undefined)) return;
      // The local disk failed: PostgreSQL may be back, and is the only other durable place.
      return insertInTime(rows);
    },

    takeFailed(rows, error) {
      return isDatabaseUnreachable(error) && append(rows, error);
    },

    pendingCount() {
      return mover?.pendingCount() ?? 0;
    },

    async flush() {
      await mover?.flush();
    },

    async close() {
      if (closed) return;
      closed = true;
      if (!mover) return;
      await mover.close(options.closeWaitMs ?? 2_000);
      const left = mover.pendingCount();
      // Says where the rows are, for an operator whose pod disk goes with the pod.
      if (left > 0) logger.warn({ spill: path, rows: left }, "ledger spill closed with usage rows PostgreSQL does not have yet: keep this file; a gateway of this database running or started on this data directory imports it");
    },
  };
}
