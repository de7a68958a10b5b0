/**
 * Running replicas adopt the spill files of dead peers (PostgreSQL deployments whose replicas
 * share a data directory: one host running several gateways, or pods on a shared volume).
 *
 * Without this, rows a replica spilled during a database outage and could not move before it died
 * waited in its file until some gateway started on that directory: with replicas that never
 * restart under the same name (a Deployment's pods) and a directory nobody restarts on, they were
 * in no usage report and no budget. Now every running replica looks at the directory every
 * `intervalMs` (and once its own spill has drained) and imports any spill file of its database
 * whose owner is gone, exactly as a start does (import-spills.ts). The owner's exclusive lock
 * decides: a live replica's file, or one another replica is importing right now, cannot be
 * claimed and is skipped; the insert skips request ids already in PostgreSQL, so a file imported
 * twice (a crash in between) adds nothing. The directory needs POSIX locks that work across
 * the processes sharing it (a local disk, or a volume whose locks are honoured).
 */
import { isDatabaseUnreachable } from "../store/database-unreachable";
import { isJournalOwnedHere } from "../store/ledger-journal";
import type { UsageRow } from "../store/types";
import { importSpillFile } from "./import-spills";
import type { LedgerLogger } from "./ledger-sink";
import { listSpillFiles } from "./spill-files";

export interface PeerSpillAdoption {
  /** One pass now (also what the timer runs); resolves with the rows imported. */
  sweep(): Promise<number>;
  /** Stop the timer and wait for a pass in progress. */
  stop(): Promise<void>;
}

export interface PeerSpillAdoptionOptions {
  dataDir: string;
  databaseUrl: string;
  insertBatch: (rows: UsageRow[]) => Promise<void> | void;
  logger: LedgerLogger & { info(object: object, message: string): void };
  /** Time between passes (default 60 s). */
  intervalMs?: number;
}

export const PEER_SPILL_SWEEP_MS = 60_000;

export function startPeerSpillAdoption(options: PeerSpillAdoptionOptions): PeerSpillAdoption {
  const { dataDir, databaseUrl, insertBatch, logger } = options;
  /** Files that failed for a reason other than the database (corrupt, unreadable): logged once, then left to an operator. */
  const givenUp = new Set<string>();
  let running: Promise<number> | undefined;
  let stopped = false;

  async function pass(): Promise<number> {
    let total = 0;
    for (const path of listSpillFiles(dataDir, databaseUrl).ours) {
      if (stopped) break;
      if (givenUp.has(path) || isJournalOwnedHere(path)) continue;
      const noting = { ...logger, error: (object: object, message: string) => (givenUp.add(path), logger.error(object, message)) };
      try {
        total += await importSpillFile(path, insertBatch, noting, "imported usage rows a stopped replica left in its ledger spill");
      } catch (error) {
        // The database is away: this replica's own spill is taking rows and says so; try at the next pass.
        if (isDatabaseUnreachable(error)) break;
        throw error;
      }
    }
    return total;
  }

  function sweep(): Promise<number> {
    running ??= pass()
      .catch((error) => {
        logger.error({ err: error }, "sweep of stopped replicas' ledger spills failed; trying again later");
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void sweep(), options.intervalMs ?? PEER_SPILL_SWEEP_MS);
  // A pending pass must not keep a stopping process alive.
  timer.unref?.();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
