import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openLedgerJournal } from "../../../src/ledger/open-journal";
import {
  claimLedgerJournal,
  completedThrough,
  decodeJournalRecord,
  encodeJournalRecord,
  importJournal,
  JOURNAL_IMPORT_CHUNK,
  journalPathFor,
  type LedgerJournal,
} from "../../../src/store/ledger-journal";
import { openStore } from "../../../src/store/open-store";
import type { Store, UsageRow } from "../../../src/store/types";

function usageRow(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    requestId: `req_${crypto.randomUUID()}`,
    clientRequestId: null,
    userId: 7,
    apiKeyId: null,
    endpoint: "/v1/messages",
    clientProtocol: "anthropic",
    modelRequested: "claude-x",
    modelServed: "gpt-y",
    provider: "openai",
    upstreamProtocol: "openai-chat",
    stream: true,
    status: 200,
    errorCode: null,
    promptTokens: 1200,
    completionTokens: 34,
    cacheReadTokens: 1000,
    cacheWriteTokens: 5,
    reasoningTokens: 3,
    usageEstimated: false,
    costMicroUsd: null,
    latencyMs: 812,
    ttftMs: 95,
    startedAt: new Date("2026-01-02T03:04:05.678Z"),
    createdAt: new Date("2026-01-02T03:04:06.490Z"),
    ...overrides,
  };
}

const silentLogger = { info: () => {}, warn: () => {}, error: () => {} };

describe("ledger journal", () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "gw-journal-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  function claim(path: string): LedgerJournal {
    const journal = claimLedgerJournal(path, { synchronous: "FULL" });
    if (!journal) throw new Error("journal unexpectedly held");
    cleanup.push(() => journal.close());
    return journal;
  }

  test("a record keeps every field of every row exactly (nulls, booleans, millisecond timestamps)", () => {
    const rows = [usageRow(), usageRow({ userId: null, apiKeyId: 3, stream: false, errorCode: "upstream_timeout", status: 504, usageEstimated: true, costMicroUsd: 42, ttftMs: null })];
    expect(decodeJournalRecord(encodeJournalRecord(rows))).toEqual(rows);
    expect(decodeJournalRecord(encodeJournalRecord([usageRow({ clientRequestId: "client-7" })]))[0]!.clientRequestId).toBe("client-7");
    // A journal written by the previous format (no clientRequestId) still imports.
    const old = rows[1]!;
    const v1 = [old.requestId, old.userId, old.apiKeyId, old.endpoint, old.clientProtocol, old.modelRequested, old.modelServed, old.provider, old.upstreamProtocol, old.stream, old.status, old.errorCode, old.promptTokens, old.completionTokens, old.cacheReadTokens, old.cacheWriteTokens, old.reasoningTokens, old.usageEstimated, old.costMicroUsd, old.latencyMs, old.ttftMs, old.startedAt.getTime(), old.createdAt.getTime()];
    expect(decodeJournalRecord(JSON.stringify([1, v1]))).toEqual([old]);
    expect(() => decodeJournalRecord(JSON.stringify([99, []]))).toThrow(/unknown format/);
    expect(() => decodeJournalRecord(JSON.stringify([1, ["too", "short"]]))).toThrow(/unknown format/);
  });

  test("rows of one append share a record; later appends get later sequence numbers; removed records are gone", () => {
    const journal = claim(join(tempDir(), "gateway.db-ledger"));
    const first = [usageRow(), usageRow(), usageRow()];
    const second = [usageRow()];
    const seqA = journal.append(first);
    const seqB = journal.append(second);
    expect(seqB).toBeGreaterThan(seqA);
    expect(journal.entries()).toEqual([...first.map((row) => ({ seq: seqA, row })), { seq: seqB, row: second[0]! }]);
    journal.removeThrough(seqA);
    expect(journal.entries()).toEqual([{ seq: seqB, row: second[0]! }]);
  });

  test("only one owner at a time: a second claim (another process) is refused until the owner closes, then sees what is left", async () => {
    const path = join(tempDir(), "gateway.db-ledger");
    const owner = claimLedgerJournal(path, { synchronous: "FULL" })!;
    const row = usageRow();
    owner.append([row]);
    const probe = `const { claimLedgerJournal } = await import(${JSON.stringify(join(import.meta.dir, "../../../src/store/ledger-journal.ts"))});
      const journal = claimLedgerJournal(${JSON.stringify(path)}, { synchronous: "FULL" });
      console.log(journal ? "claimed " + journal.entries().length : "busy");
      journal?.close();`;
    const run = () => Bun.spawnSync([process.execPath, "-e", probe]).stdout.toString().trim();
    expect(run()).toBe("busy");
    // The same process cannot take it twice either (a reader in the daemon's own process).
    expect(claimLedgerJournal(path, { synchronous: "FULL" })).toBeUndefined();
    // A refused claim leaves the owner working.
    owner.append([usageRow()]);
    owner.close();
    expect(run()).toBe("claimed 2");
  });

  test("completedThrough never removes a record whose rows are not all moved", () => {
    const entries = [1, 1, 2, 2, 2, 3].map((seq) => ({ seq, row: usageRow() }));
    expect(completedThrough(entries, 2)).toBe(1);
    expect(completedThrough(entries, 3)).toBe(1); // record 2 is cut: keep it
    expect(completedThrough(entries, 5)).toBe(2);
    expect(completedThrough(entries, 6)).toBe(3);
  });

  test("import moves every row once, in bounded chunks, even when chunks cut records, and empties the journal", async () => {
    const journal = claim(join(tempDir(), "gateway.db-ledger"));
    const written: UsageRow[] = [];
    for (let index = 0; index < 160; index++) {
      const rows = Array.from({ length: 7 }, () => usageRow());
      journal.append(rows);
      written.push(...rows);
    }
    const chunks: number[] = [];
    const seen = new Set<string>();
    const imported = await importJournal(journal, (rows) => {
      chunks.push(rows.length);
      for (const row of rows) seen.add(row.requestId);
    });
    expect(imported).toBe(written.length);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(JOURNAL_IMPORT_CHUNK);
    expect(seen).toEqual(new Set(written.map((row) => row.requestId)));
    expect(journal.entries()).toEqual([]);
  });

  describe("with a SQLite store", () => {
    async function openTempStore(): Promise<Store> {
      const store = await openStore({ dataDir: tempDir() });
      await store.migrate();
      cleanup.push(() => void store.close());
      return store;
    }

    test("rows a stopped gateway left in its journal are imported before the database is read, once", async () => {
      const store = await openTempStore();
      const left = claimLedgerJournal(journalPathFor(store.location)!, { synchronous: "FULL" })!;
      const rows = [usageRow(), usageRow()];
      left.append(rows);
      left.close(); // the gateway died: the rows never reached usage_entries
      const logged = await store.usage.logs({}, 10);
      expect(logged.map((row) => row.requestId).sort()).toEqual(rows.map((row) => row.requestId).sort());
      expect(logged.find((row) => row.requestId === rows[0]!.requestId)).toMatchObject({ ...rows[0]!, id: expect.any(Number) });
      expect((await store.usage.summary({})).totals.requests).toBe(2);
    });

    test("while a gateway owns the journal, readers leave it alone and the owner keeps moving rows", async () => {
      const store = await openTempStore();
      const mover = (await openLedgerJournal(store, "FULL", silentLogger))!;
      const row = usageRow();
      mover.write([row]);
      // Another connection reads: it cannot claim the journal, so it sees only moved rows.
      const reader = await openStore({ dataDir: dirname(store.location) });
      cleanup.push(() => void reader.close());
      expect(await reader.usage.logs({}, 10)).toEqual([]);
      await mover.flush();
      expect((await reader.usage.logs({}, 10)).map((stored) => stored.requestId)).toEqual([row.requestId]);
      expect(mover.pendingCount()).toBe(0);
      await mover.close();
    });

    test("a restarted gateway imports its predecessor's journal before serving", async () => {
      const store = await openTempStore();
      const left = claimLedgerJournal(journalPathFor(store.location)!, { synchronous: "FULL" })!;
      const row = usageRow();
      left.append([row]);
      left.close();
      const mover = await openLedgerJournal(store, "FULL", silentLogger);
      expect(mover).toBeDefined();
      cleanup.push(() => void mover?.close());
      // Imported by openLedgerJournal itself, not by the read below (the journal is owned now).
      expect((await store.usage.logs({}, 10)).map((stored) => stored.requestId)).toEqual([row.requestId]);
    });

    test("a second gateway on the same database falls back to committing rows directly, with a warning", async () => {
      const store = await openTempStore();
      const first = (await openLedgerJournal(store, "FULL", silentLogger))!;
      cleanup.push(() => void first.close());
      const warnings: string[] = [];
      const second = await openLedgerJournal(store, "FULL", { ...silentLogger, warn: (_object, message) => warnings.push(message) }, 0);
      expect(second).toBeUndefined();
      expect(warnings.join(" ")).toContain("owns the ledger journal");
    });

    test("in-memory databases have no journal", () => {
      expect(journalPathFor(":memory:")).toBeUndefined();
    });
  });
});
