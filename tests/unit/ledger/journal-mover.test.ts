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

  test("rows already in the journal (adopted) are moved first; onDrained runs once nothing waits", async () => {
    const journal = memoryJournal();
    journal.append([row("left-1"), row("left-2")]);
    const database: string[] = [];
    let drained = 0;
    const mover = createJournalMover(journal, (rows) => void database.push(...rows.map((r) => r.requestId)), {
      intervalMs: 60_000,
      logger: recordingLogger(),
      adopt: journal.entries(),
      onDrained: () => (drained += 1),
    });
    expect(mover.pendingCount()).toBe(2);
    await Bun.sleep(20); // adopted rows do not wait for the interval
    expect(database).toEqual(["left-1", "left-2"]);
    expect(journal.rowCount()).toBe(0);
    expect(drained).toBe(1);
    await mover.close();
  });

  test("after a failed move, a full backlog waits for the retry timer instead of trying the database on every write", async () => {
    const journal = memoryJournal();
    let attempts = 0;
    const mover = createJournalMover(
      journal,
      () => {
        attempts += 1;
        throw new Error("connection refused");
      },
      { intervalMs: 10, maxRows: 2, maxRetryDelayMs: 60_000, logger: recordingLogger() },
    );
    mover.write([row("a"), row("b")]); // maxRows reached: moved at once, and that fails
    await Bun.sleep(5);
    expect(attempts).toBe(1);
    for (let i = 0; i < 20; i++) mover.write([row(`more-${i}`)]);
    await Bun.sleep(5);
    expect(attempts).toBe(1);
    expect(journal.rowCount()).toBe(22);
    await mover.close(10);
  });

  test("close(waitMs) does not wait longer than that for a database that hangs; the rows stay in the journal", async () => {
    const journal = memoryJournal();
    const logger = recordingLogger();
    const mover = createJournalMover(journal, () => new Promise<void>(() => {}), { intervalMs: 60_000, logger });
    mover.write([row("a")]);
    const started = Date.now();
    await mover.close(50);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(journal.closed).toBe(true);
    expect(journal.entries().map((entry) => entry.row.requestId)).toEqual(["a"]);
    expect(logger.warnings.join(" ")).toContain("next start imports them");
  });
});
