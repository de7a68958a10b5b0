import type { LedgerEntry, LedgerSink } from "./types";

/** Keeps ledger rows in memory: for tests and for running without a database. Not durable. */
export class MemoryLedgerSink implements LedgerSink {
  readonly entries: LedgerEntry[] = [];

  async record(entry: LedgerEntry): Promise<void> {
    this.entries.push(entry);
  }

  async close(): Promise<void> {}
}
