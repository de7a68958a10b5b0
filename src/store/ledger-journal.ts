/**
 * The ledger journal (SQLite deployments): a small private SQLite file beside the database,
 * `<database>-ledger`, where a usage row becomes durable before the client's answer, and from
 * which rows move to `usage_entries` in bulk a moment later (journal-mover.ts).
 *
 * Why: committing the row straight into `usage_entries` writes six B-tree pages (the table, four
 * indexes, AUTOINCREMENT's counter) and takes ~20 system calls (two per WAL frame, file locks,
 * fsync): ~40 µs per answer at one connection on the bench VM, the largest single cost the
 * gateway adds. An append here is one page in a table without indexes, in WAL mode with
 * `locking_mode=EXCLUSIVE` (no lock calls, no shared memory): ~5 µs, with the same `synchronous`
 * setting, so the durability promise (reliability-anchors §2.13) is unchanged.
 *
 * The exclusive lock also says who owns the journal: the running gateway holds it for its whole
 * life. Anyone else who opens the database (the CLI, a restarted gateway, a test after kill -9)
 * can claim it only when its owner is gone, and then imports what it holds first. Importing is
 * idempotent: `usage_entries.request_id` is unique and the insert skips rows already there.
 */
import { Database } from "bun:sqlite";
import type { UsageRow } from "./types";

/** A row read back from the journal; `seq` is that of the append it came in (rows of one append share it). */
export interface JournalEntry {
  seq: number;
  row: UsageRow;
}

export interface LedgerJournal {
  readonly path: string;
  /** Append rows as one record (one commit); durable when it returns. Returns the record's sequence number. */
  append(rows: readonly UsageRow[]): number;
  /** Every row still in the journal, oldest first. */
  entries(): JournalEntry[];
  /** Forget records up to `seq` (their rows are in the database now). */
  removeThrough(seq: number): void;
  close(): void;
}

/** The journal file of a SQLite database file (none for an in-memory database). */
export function journalPathFor(databasePath: string): string | undefined {
  return databasePath === ":memory:" || databasePath === "" ? undefined : `${databasePath}-ledger`;
}

/**
 * Journals this process owns. A reader in the owner's own process (the daemon's usage API)
 * need not try to claim one: its owner moves the rows, and the claim would only fail.
 */
const ownedHere = new Set<string>();

/** Whether this process holds the journal or spill file at `path` (a sweep must not open its own). */
export function isJournalOwnedHere(path: string): boolean {
  return ownedHere.has(path);
}

/** True for SQLite's "database is locked" (SQLITE_BUSY): here, the journal's owner is alive. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "SQLITE_BUSY" || /database is locked/i.test((error as Error)?.message ?? "");
}

/**
 * Open and lock the journal at `path`. Returns undefined when another live process holds it
 * (after waiting up to `waitMs` for it to let go); other failures throw.
 */
export function claimLedgerJournal(path: string, options: { synchronous: "FULL" | "NORMAL"; waitMs?: number }): LedgerJournal | undefined {
  const db = new Database(path, { create: true, strict: true });
  try {
    db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.waitMs ?? 0))}`);
    // Before the first WAL access, so SQLite keeps the WAL index in private memory (no -shm).
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA journal_mode = WAL");
    db.run(`PRAGMA synchronous = ${options.synchronous}`);
    // A write takes the exclusive lock now, and it is held until close().
    db.run("BEGIN IMMEDIATE");
    db.run("CREATE TABLE IF NOT EXISTS ledger_journal (seq INTEGER PRIMARY KEY, rows TEXT NOT NULL)");
    db.run("COMMIT");
  } catch (error) {
    db.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
  const insert = db.prepare("INSERT INTO ledger_journal (rows) VALUES (?)");
  const remove = db.prepare("DELETE FROM ledger_journal WHERE seq <= ?");
  const selectAll = db.prepare<{ seq: number; rows: string }, []>("SELECT seq, rows FROM ledger_journal ORDER BY seq");
  let closed = false;
  ownedHere.add(path);
  return {
    path,
    append(rows) {
      // One record per append: one statement, one commit, whatever the number of rows.
      return Number(insert.run(encodeJournalRecord(rows)).lastInsertRowid);
    },
    entries() {
      return selectAll
        .all()
        .flatMap(({ seq, rows }) => decodeJournalRecord(rows).map((row) => ({ seq, row })));
    },
    removeThrough(seq) {
      remove.run(seq);
    },
    close() {
      if (closed) return;
      closed = true;
      // Statements first: SQLite keeps a connection with live statements open (and locked).
      for (const statement of [insert, remove, selectAll]) statement.finalize();
      db.close();
      ownedHere.delete(path);
    },
  };
}

/**
 * A record: `[format, row, row, …]`, each row a JSON array of its values (half the bytes of an
 * object with keys, and faster to write). Timestamps are epoch milliseconds (exact). A later
 * format gets a new number and `decodeJournalRecord` keeps reading the old ones, because a
 * journal can outlive the binary that wrote it (crash, then upgrade). Format 1 had no
 * `clientRequestId` (the second value of format 2).
 */
const JOURNAL_FORMAT = 2;
const VALUES_PER_ROW = 24;

export function encodeJournalRecord(rows: readonly UsageRow[]): string {
  return JSON.stringify([JOURNAL_FORMAT, ...rows.map(rowValues)]);
}

export function decodeJournalRecord(text: string): UsageRow[] {
  const record = JSON.parse(text) as unknown[];
  const format = Array.isArray(record) ? record[0] : undefined;
  if (format !== 1 && format !== JOURNAL_FORMAT) throw new Error(`ledger journal record in an unknown format: ${text.slice(0, 80)}`);
  // Format 1: the same values without clientRequestId, the second one.
  const upgrade = (values: unknown) => (format === 1 && Array.isArray(values) ? [values[0], null, ...values.slice(1)] : values);
  return record.slice(1).map((values) => rowFromValues(upgrade(values), text));
}

function rowValues(row: UsageRow): unknown[] {
  return [
    row.requestId,
    row.clientRequestId,
    row.userId,
    row.apiKeyId,
    row.endpoint,
    row.clientProtocol,
    row.modelRequested,
    row.modelServed,
    row.provider,
    row.upstreamProtocol,
    row.stream,
    row.status,
    row.errorCode,
    row.promptTokens,
    row.completionTokens,
    row.cacheReadTokens,
    row.cacheWriteTokens,
    row.reasoningTokens,
    row.usageEstimated,
    row.costMicroUsd,
    row.latencyMs,
    row.ttftMs,
    row.startedAt.getTime(),
    row.createdAt.getTime(),
  ];
}

function rowFromValues(values: unknown, record: string): UsageRow {
  if (!Array.isArray(values) || values.length !== VALUES_PER_ROW) throw new Error(`ledger journal row in an unknown format: ${record.slice(0, 80)}`);
  const [requestId, clientRequestId, userId, apiKeyId, endpoint, clientProtocol, modelRequested, modelServed, provider, upstreamProtocol, stream, status, errorCode, promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, usageEstimated, costMicroUsd, latencyMs, ttftMs, startedAt, createdAt] = values as [
    string, string | null, number | null, number | null, string, string, string, string | null, string | null, string | null, boolean, number, string | null,
    number, number, number, number, number, boolean, number | null, number, number | null, number, number,
  ];
  return {
    requestId, clientRequestId, userId, apiKeyId, endpoint, clientProtocol, modelRequested, modelServed, provider, upstreamProtocol, stream, status, errorCode,
    promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, usageEstimated, costMicroUsd, latencyMs, ttftMs,
    startedAt: new Date(startedAt),
    createdAt: new Date(createdAt),
  };
}

/** Import size per transaction: bounded, so a large backlog never holds the event loop for long. */
export const JOURNAL_IMPORT_CHUNK = 500;

/**
 * Once `entries[0 .. end)` are in the database: the last record all of whose rows are, i.e. the
 * `seq` to remove through (a chunk may end inside a record; that record stays until its last row
 * is moved, and moving a row twice is harmless).
 */
export function completedThrough(entries: readonly JournalEntry[], end: number): number {
  const last = entries[end - 1]!.seq;
  return entries[end]?.seq === last ? last - 1 : last;
}

/**
 * Insert the first chunk of `entries` (at most JOURNAL_IMPORT_CHUNK rows) into the database and
 * forget the journal records it completed; returns how many entries it moved. Shared by the
 * import at start-up and the running gateway's mover.
 */
export async function moveFirstChunk(journal: LedgerJournal, entries: readonly JournalEntry[], insertBatch: (rows: UsageRow[]) => Promise<void> | void): Promise<number> {
  const chunk = entries.slice(0, JOURNAL_IMPORT_CHUNK);
  await insertBatch(chunk.map((entry) => entry.row));
  journal.removeThrough(completedThrough(entries, chunk.length));
  return chunk.length;
}

/**
 * Move every row of a claimed journal into the database, then empty the journal. Rows already
 * in the database are skipped by the insert, so an import interrupted at any point can rerun.
 */
export async function importJournal(journal: LedgerJournal, insertBatch: (rows: UsageRow[]) => Promise<void> | void): Promise<number> {
  let remaining = journal.entries();
  const total = remaining.length;
  while (remaining.length > 0) remaining = remaining.slice(await moveFirstChunk(journal, remaining, insertBatch));
  return total;
}

/**
 * For readers (CLI, admin tools, tests): if the journal's owner is gone, import what it left so
 * the database shows every acknowledged request. With its owner alive, rows reach the database
 * within the mover's interval; nothing is done here.
 */
export async function importLeftoverJournal(databasePath: string, insertBatch: (rows: UsageRow[]) => Promise<void> | void, synchronous: "FULL" | "NORMAL"): Promise<number> {
  const path = journalPathFor(databasePath);
  if (!path || ownedHere.has(path) || !(await Bun.file(path).exists())) return 0;
  const journal = claimLedgerJournal(path, { synchronous });
  if (!journal) return 0;
  try {
    return await importJournal(journal, insertBatch);
  } finally {
    journal.close();
  }
}
