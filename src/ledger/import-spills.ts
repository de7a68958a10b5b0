/**
 * At start-up (PostgreSQL deployments), before serving: move into PostgreSQL every usage row a
 * stopped or killed gateway left in a spill file of this database in the data directory
 * (ledger-spill.ts, spill-files.ts). A file whose owner is still running is locked and left to
 * it. Rows already in PostgreSQL are skipped by the insert, so an import interrupted at any
 * point (a crash, the database going away again) can simply run again at the next start.
 */
import { isDatabaseUnreachable } from "../store/database-unreachable";
import { claimLedgerJournal, importJournal, type LedgerJournal } from "../store/ledger-journal";
import type { UsageRow } from "../store/types";
import { listSpillFiles } from "./spill-files";
import type { LedgerLogger } from "./ledger-sink";

export async function importLeftoverSpills(
  dataDir: string,
  databaseUrl: string,
  insertBatch: (rows: UsageRow[]) => Promise<void> | void,
  logger: LedgerLogger & { info(object: object, message: string): void },
): Promise<number> {
  const { ours, others } = listSpillFiles(dataDir, databaseUrl);
  let total = 0;
  for (const path of ours) total += await importSpillFile(path, insertBatch, logger, "imported usage rows a previous run left in the ledger spill");
  warnAboutOtherDatabases(others, logger);
  return total;
}

/**
 * Import one spill file whose owner is gone (0 when a live process holds it). Throws when the
 * database cannot be reached (the rows stay in the file); any other failure (a file that cannot be
 * opened or read) is logged and the file kept as it is for an operator.
 */
export async function importSpillFile(
  path: string,
  insertBatch: (rows: UsageRow[]) => Promise<void> | void,
  logger: LedgerLogger & { info(object: object, message: string): void },
  importedMessage: string,
): Promise<number> {
  let journal: LedgerJournal | undefined;
  try {
    journal = claimLedgerJournal(path, { synchronous: "FULL" });
  } catch (error) {
    logger.error({ err: error, spill: path }, "ledger spill file could not be opened; it is kept, and its rows are NOT in PostgreSQL");
    return 0;
  }
  if (!journal) return 0; // a running replica's own spill: it moves the rows itself
  try {
    const imported = await importJournal(journal, insertBatch);
    if (imported > 0) logger.info({ rows: imported, spill: path }, importedMessage);
    return imported;
  } catch (error) {
    // The database away again: the caller decides (the start refuses, a running sweep waits).
    if (isDatabaseUnreachable(error)) throw error;
    // A file that cannot be read (corrupt, an unknown format): refusing to serve would not
    // recover its rows. Kept as it is for an operator; said loudly.
    logger.error({ err: error, spill: path }, "ledger spill file could not be imported; it is kept, and its rows are NOT in PostgreSQL");
    return 0;
  } finally {
    journal.close();
  }
}

/**
 * Spill files named for another database URL are never imported here (their rows may belong to
 * another database). One that still holds rows is worth a line: most often the URL changed (a
 * new host name for the same database) while rows waited; start a gateway with the old URL on
 * this data directory to move them.
 */
function warnAboutOtherDatabases(paths: readonly string[], logger: LedgerLogger): void {
  const holding: string[] = [];
  for (const path of paths) {
    try {
      const journal = claimLedgerJournal(path, { synchronous: "FULL" });
      if (!journal) continue; // in use by a running gateway of that database
      try {
        if (journal.entries().length > 0) holding.push(path);
      } finally {
        journal.close();
      }
    } catch {
      holding.push(path); // unreadable: worth a look too
    }
  }
  if (holding.length > 0) logger.warn({ spills: holding }, "ledger spill files of another database URL hold usage rows; not imported here (a gateway started with that URL on this data directory imports them)");
}
