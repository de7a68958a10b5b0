/**
 * The daemon's ledger output on SQLite: claim the journal beside the database, import what a
 * previous run left in it, and hand back the mover that takes rows on to `usage_entries`.
 * Undefined for PostgreSQL (rows commit straight into the shared database, so every replica
 * sees them at once) and for in-memory databases.
 */
import { claimLedgerJournal, importJournal, journalPathFor } from "../store/ledger-journal";
import type { Store } from "../store/types";
import { createJournalMover, type JournalMover } from "./journal-mover";
import type { LedgerLogger } from "./ledger-sink";

export async function openLedgerJournal(
  store: Store,
  synchronous: "FULL" | "NORMAL",
  logger: LedgerLogger & { info(object: object, message: string): void },
  // A CLI importing leftovers holds the journal briefly: wait for it rather than give up.
  waitMs = 3_000,
): Promise<JournalMover | undefined> {
  if (store.dialect !== "sqlite") return undefined;
  const path = journalPathFor(store.location);
  if (!path) return undefined;
  const journal = claimLedgerJournal(path, { synchronous, waitMs });
  if (!journal) {
    logger.warn({ journal: path }, "another running gateway owns the ledger journal of this database; this one commits each usage row straight to the database (durable, but slower)");
    return undefined;
  }
  const insert = (rows: Parameters<Store["usage"]["insertBatch"]>[0]) => store.usage.insertBatch(rows);
  try {
    const imported = await importJournal(journal, insert);
    if (imported > 0) logger.info({ rows: imported, journal: path }, "imported usage rows the previous run left in the ledger journal");
  } catch (error) {
    journal.close();
    throw error;
  }
  return createJournalMover(journal, insert, { logger });
}
