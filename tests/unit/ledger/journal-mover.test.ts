import { describe, expect, test } from "bun:test";
import { createJournalMover } from "../../../src/ledger/journal-mover";
import type { JournalEntry, LedgerJournal } from "../../../src/store/ledger-journal";
import type { UsageRow } from "../../../src/store/types";

/** An in-memory journal with the real one's contract (records, sequence numbers, removal). */
function memoryJournal() {
  let seq = 0;
  let records: Array<{ seq: number; rows: UsageRow[] }> = [];
  let closed = false;
  const journal: LedgerJournal & { readonly closed: boolean; rowCount(): number } = {
    path: "memory",
    append(rows) {
      if (closed) throw new Error("closed");
      records.push({ seq: ++seq, rows: [...rows] });
      return seq;
    },
    entries: (): JournalEntry[] => records.flatMap((record) => record.rows.map((row) => ({ seq: record.seq, row }))),
    removeThrough(upTo) {
      records = records.filter((record) => record.seq > upTo);
    },
    close() {
      closed = true;
    },
    get closed() {
      return closed;
    },
    rowCount: () => records.reduce((sum, record) => sum + record.rows.length, 0),
  };
  return journal;
}

const row = (requestId: string) => ({ requestId }) as UsageRow;

function recordingLogger() {
  const errors: string[] = [];
  const warnings: string[] = [];
  return { errors, warnings, warn: (_object: object, message: string) => warnings.push(message), error: (_object: object, message: string) => errors.push(message) };
}

describe("journal mover", () => {
  test("a write is in the journal at once and in the database after the interval; moved records leave the journal", async () => {
    const journal = memoryJournal();
    const database: string[] = [];
    const mover = createJournalMover(journal, (rows) => void database.push(...rows.map((r) => r.requestId)), { intervalMs: 20, logger: recordingLogger() });
    mover.write([row("a"), row("b")]);
    mover.write([row("c")]);
    expect(journal.rowCount()).toBe(3);
    expect(database).toEqual([]);
    expect(mover.pendingCount()).toBe(3);
    await Bun.sleep(60);
    expect(database).toEqual(["a", "b", "c"]);
    expect(journal.rowCount()).toBe(0);
    expect(mover.pendingCount()).toBe(0);
    await mover.close();
  });

  test("maxRows waiting starts a move without waiting for the interval; chunks never exceed the import chunk", async () => {
    const journal = memoryJournal();
    const chunks: number[] = [];
    const mover = createJournalMover(journal, (rows) => void chunks.push(rows.length), { intervalMs: 60_000, maxRows: 1200, logger: recordingLogger() });
    for (let index = 0; index < 1200; index++) mover.write([row(`r${index}`)]);
    await Bun.sleep(10);
    expect(chunks).toEqual([500, 500, 200]);
    expect(journal.rowCount()).toBe(0);
    await mover.close();
  });

  test("a failing database keeps the rows (journal and memory), logs, retries with backoff, and moves them once it recovers", async () => {
    const journal = memoryJournal();
    const logger = recordingLogger();
    let down = true;
    const database: string[] = [];
    const mover = createJournalMover(
      journal,
      (rows) => {
        if (down) throw new Error("database is locked");
        database.push(...rows.map((r) => r.requestId));
      },
      { intervalMs: 10, maxRetryDelayMs: 40, logger },
    );
    mover.write([row("a")]);
    await Bun.sleep(50);
    expect(logger.errors.length).toBeGreaterThanOrEqual(1);
    expect(logger.errors[0]).toContain("stay in the journal");
    expect(journal.rowCount()).toBe(1);
    expect(mover.pendingCount()).toBe(1);
    await expect(mover.flush()).rejects.toThrow("database is locked");
    down = false;
    await Bun.sleep(100);
    expect(database).toEqual(["a"]);
    expect(journal.rowCount()).toBe(0);
    await mover.close();
  });

  test("flush moves everything now (usage reads see every answered request)", async () => {
    const journal = memoryJournal();
    const database: string[] = [];
    const mover = createJournalMover(journal, async (rows) => void database.push(...rows.map((r) => r.requestId)), { intervalMs: 60_000, logger: recordingLogger() });
    mover.write([row("a")]);
    await mover.flush();
    expect(database).toEqual(["a"]);
    await mover.close();
  });

  test("close moves what it can and closes the journal; with the database down the rows stay in the journal for the next start", async () => {
    const healthy = memoryJournal();
    const moved: string[] = [];
    const moverA = createJournalMover(healthy, (rows) => void moved.push(...rows.map((r) => r.requestId)), { intervalMs: 60_000, logger: recordingLogger() });
    moverA.write([row("a")]);
    await moverA.close();
    expect(moved).toEqual(["a"]);
    expect(healthy.closed).toBe(true);
    expect(() => moverA.write([row("late")])).toThrow("closed");

    const broken = memoryJournal();
    const logger = recordingLogger();
    const moverB = createJournalMover(broken, () => {
      throw new Error("disk I/O error");
    }, { intervalMs: 60_000, logger });
    moverB.write([row("b")]);
    await moverB.close();
    expect(broken.closed).toBe(true);
    expect(broken.entries().map((entry) => entry.row.requestId)).toEqual(["b"]);
    expect(logger.warnings.join(" ")).toContain("next start imports them");
  });
});
