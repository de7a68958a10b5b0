/**
 * The daemon's ledger spill on PostgreSQL (ledger-spill.ts): import what earlier runs left in
 * spill files of this database in the data directory, before the gateway serves, and hand back
 * the spill for the ledger sink, with a sweep that adopts what peers on the same directory leave
 * while this one runs (adopt-peer-spills.ts). Undefined for SQLite, whose rows are made durable locally
 * anyway (the ledger journal, open-journal.ts).
 */
import { resolve } from "node:path";
import type { Store, UsageRow } from "../store/types";
import { importLeftoverSpills } from "./import-spills";
import { startPeerSpillAdoption } from "./adopt-peer-spills";
import { createLedgerSpill, type LedgerSpill } from "./ledger-spill";
import type { LedgerLogger } from "./ledger-sink";
import { spillFileCandidates } from "./spill-files";

export async function openLedgerSpill(
  store: Store,
  config: { dataDir: string; databaseUrl: string; pgRequestTimeoutMs?: number },
  logger: LedgerLogger & { info(object: object, message: string): void },
): Promise<LedgerSpill | undefined> {
  if (store.dialect !== "postgres") return undefined;
  const dataDir = resolve(config.dataDir);
  const insertBatch = (rows: UsageRow[]) => store.usage.insertBatch(rows);
  await importLeftoverSpills(dataDir, config.databaseUrl, insertBatch, logger);
  // While serving, files that peers sharing this directory leave behind are imported too (adopt-peer-spills.ts).
  const adoption = startPeerSpillAdoption({ dataDir, databaseUrl: config.databaseUrl, insertBatch, logger });
  const spill = createLedgerSpill({
    candidates: spillFileCandidates(dataDir, config.databaseUrl),
    insertBatch,
    logger,
    requestTimeoutMs: config.pgRequestTimeoutMs ?? 0,
    // The outage this replica rode out may have ended a peer too.
    onDrained: () => void adoption.sweep(),
  });
  return {
    ...spill,
    async close() {
      await adoption.stop();
      await spill.close();
    },
  };
}
