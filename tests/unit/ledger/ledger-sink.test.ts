import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLedgerSink, type LedgerLogger } from "../../../src/ledger/ledger-sink";
import { parsePriceTable } from "../../../src/ledger/price-table";
import type { Store, UsageRow } from "../../../src/store/types";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { dialectCases, type TestDatabase } from "../../support/test-databases";

const prices = parsePriceTable(`[[prices]]\nmodel = "gpt-4o"\ninput = 2.5\noutput = 10`);

function recordingLogger(): LedgerLogger & { errors: string[]; errorDetails: Array<Record<string, unknown>> } {
  const errors: string[] = [];
  const errorDetails: Array<Record<string, unknown>> = [];
  return {
    errors,
    errorDetails,
    warn: () => {},
    error: (object, message) => {
      errors.push(message);
      errorDetails.push(object as Record<string, unknown>);
    },
  };
}

/** The same store with insertBatch observed (and optionally failing). */
function instrument(store: Store, fail: (rows: UsageRow[], call: number) => boolean = () => false) {
  const batches: number[] = [];
  let calls = 0;
  const wrapped: Store = {
    ...store,
    usage: {
      ...store.usage,
      async insertBatch(rows) {
        calls += 1;
        if (fail(rows, calls)) throw new Error("simulated database failure");
        batches.push(rows.length);
        await store.usage.insertBatch(rows);
      },
    },
  };
  return { store: wrapped, batches, calls: () => calls };
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`ledger sink on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let reader: Store;

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      reader = await database.open();
    });
    afterAll(async () => database.drop());

    async function readRow(requestId: string) {
      const rows = await reader.usage.logs({}, 100_000);
      return rows.filter((row) => row.requestId === requestId);
    }

    test("a resolved record() is visible from a second connection, with its cost", async () => {
      const sink = createLedgerSink(store, { prices, maxDelayMs: 2 });
      const entry = makeLedgerEntry({ userId: 7, apiKeyId: 3, stream: true, ttftMs: 40, usage: { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 20 } });
      await sink.record(entry);
      const [row] = await readRow(entry.requestId);
      expect(row).toMatchObject({
        userId: 7,
        apiKeyId: 3,
        endpoint: "/v1/chat/completions",
        clientProtocol: "openai-chat",
        modelRequested: "gpt-4o",
        modelServed: "gpt-4o",
        provider: "openai",
        upstreamProtocol: "openai-chat",
        stream: true,
        status: 200,
        errorCode: null,
        promptTokens: 1000,
        completionTokens: 500,
        reasoningTokens: 20,
        usageEstimated: false,
        // 1000 × $2.5 + 500 × $10 per 1M tokens = 2500 + 5000 micro-dollars.
        costMicroUsd: 7500,
        latencyMs: 120,
        ttftMs: 40,
      });
      expect(row!.startedAt.toISOString()).toBe(entry.startedAt.toISOString());
      await sink.close();
    });

    test("concurrent records are group-committed in batches no larger than maxBatchSize", async () => {
      const probe = instrument(store);
      const sink = createLedgerSink(probe.store, { prices, maxBatchSize: 25, maxDelayMs: 5 });
      const entries = Array.from({ length: 100 }, () => makeLedgerEntry());
      await Promise.all(entries.map((entry) => sink.record(entry)));
      expect(probe.batches.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.max(...probe.batches)).toBeLessThanOrEqual(25);
      expect(probe.batches.length).toBeLessThanOrEqual(8);
      for (const entry of entries.slice(0, 5)) expect(await readRow(entry.requestId)).toHaveLength(1);
      await sink.close();
    });

    test("a few rows wait at most maxDelayMs and go in one batch", async () => {
      const probe = instrument(store);
      const sink = createLedgerSink(probe.store, { prices, maxDelayMs: 30 });
      const started = performance.now();
      await Promise.all([sink.record(makeLedgerEntry()), sink.record(makeLedgerEntry()), sink.record(makeLedgerEntry())]);
      expect(probe.batches).toEqual([3]);
      expect(performance.now() - started).toBeLessThan(1000);
      await sink.close();
    });

    test("the only request in flight has its row written at once; with others in flight rows wait a turn to share a commit", async () => {
      const probe = instrument(store);
      const sink = createLedgerSink(probe.store, { prices });
      // One request: its row goes to the database before record() returns control.
      sink.expectRow();
      const alone = sink.record(makeLedgerEntry());
      expect(probe.calls()).toBe(1);
      await alone;
      // Two requests in flight: the first row waits for the second, and they share a batch.
      sink.expectRow();
      sink.expectRow();
      const first = sink.record(makeLedgerEntry());
      expect(probe.calls()).toBe(1);
      const second = sink.record(makeLedgerEntry());
      await Promise.all([first, second]);
      expect(probe.batches).toEqual([1, 2]);
      await sink.close();
    });

    test("durable writes can go elsewhere (the SQLite ledger journal): `write` replaces the insert", async () => {
      const probe = instrument(store);
      const written: string[] = [];
      const sink = createLedgerSink(probe.store, { prices, write: (rows) => void written.push(...rows.map((row) => row.requestId)) });
      const entry = makeLedgerEntry();
      await sink.record(entry);
      expect(written).toEqual([entry.requestId]);
      expect(probe.calls()).toBe(0);
      await sink.close();
    });

    test("close() flushes rows still waiting for their timer", async () => {
      const sink = createLedgerSink(store, { prices, maxDelayMs: 60_000 });
      const entries = [makeLedgerEntry(), makeLedgerEntry()];
      const recorded = entries.map((entry) => sink.record(entry));
      expect(sink.pendingCount()).toBe(2);
      await sink.close();
      await Promise.all(recorded);
      for (const entry of entries) expect(await readRow(entry.requestId)).toHaveLength(1);
      await expect(sink.record(makeLedgerEntry())).rejects.toThrow(/closed/);
    });

    test("failed writes are logged and retried until they commit, without duplicates", async () => {
      const logger = recordingLogger();
      let down = true;
      const probe = instrument(store, () => down);
      const sink = createLedgerSink(probe.store, { prices, retryDelayMs: 5, logger });
      const entry = makeLedgerEntry();
      const recorded = sink.record(entry);
      while (logger.errors.length < 2) await Bun.sleep(5);
      // While the database refuses rows, the sink says so (readiness turns 503).
      expect(sink.failing()).toBe(true);
      down = false;
      await recorded;
      expect(sink.failing()).toBe(false);
      expect(logger.errors.length).toBeGreaterThanOrEqual(2);
      // The first failure carries the error whole; the retries one short line each.
      expect(logger.errorDetails[0]!.err).toBeInstanceOf(Error);
      expect(logger.errorDetails[1]).toMatchObject({ error: "simulated database failure", failures: 2 });
      expect(logger.errorDetails[1]!.err).toBeUndefined();
      expect(await readRow(entry.requestId)).toHaveLength(1);
      // Writing the same request id again (an ambiguous failure's retry) adds nothing.
      await store.usage.insertBatch([{ ...(await readRow(entry.requestId))[0]! }]);
      expect(await readRow(entry.requestId)).toHaveLength(1);
      await sink.close();
    });

    test("a batch that keeps failing is split so good rows commit despite a bad one", async () => {
      const logger = recordingLogger();
      let badFailures = 0;
      const probe = instrument(store, (rows) => rows.some((row) => row.modelRequested === "bad") && ++badFailures <= 6);
      const sink = createLedgerSink(probe.store, { prices, retryDelayMs: 2, maxRetryDelayMs: 4, splitAfterFailures: 2, logger });
      const good = [makeLedgerEntry(), makeLedgerEntry()];
      const bad = makeLedgerEntry({ modelRequested: "bad" });
      const order: string[] = [];
      await Promise.all([
        sink.record(good[0]!).then(() => order.push("good")),
        sink.record(bad).then(() => order.push("bad")),
        sink.record(good[1]!).then(() => order.push("good")),
      ]);
      expect(order.indexOf("good")).toBeLessThan(order.indexOf("bad"));
      for (const entry of [...good, bad]) expect(await readRow(entry.requestId)).toHaveLength(1);
      await sink.close();
    });

    test("close() on a dead database gives up after its deadline, logs every row and rejects", async () => {
      const logger = recordingLogger();
      const probe = instrument(store, () => true);
      const sink = createLedgerSink(probe.store, { prices, retryDelayMs: 5, maxRetryDelayMs: 10, closeTimeoutMs: 100, logger });
      const recorded = [sink.record(makeLedgerEntry()), sink.record(makeLedgerEntry())].map((promise) => promise.then(() => "ok", () => "rejected"));
      await expect(sink.close()).rejects.toThrow(/2 unwritten rows/);
      expect(await Promise.all(recorded)).toEqual(["rejected", "rejected"]);
      expect(logger.errors.filter((message) => message.includes("NOT written"))).toHaveLength(2);
    });

    test("unknown models get cost null; strings are sanitised", async () => {
      const sink = createLedgerSink(store, { prices, maxDelayMs: 1 });
      const entry = makeLedgerEntry({ modelRequested: "mystery\u0000model", modelServed: null, provider: null, upstreamProtocol: null, status: 404, errorCode: "model_not_found" });
      await sink.record(entry);
      const [row] = await readRow(entry.requestId);
      expect(row).toMatchObject({ modelRequested: "mysterymodel", costMicroUsd: null, status: 404, errorCode: "model_not_found" });
      await sink.close();
    });

    test("two sinks (two replicas) writing to one database at once lose and double nothing", async () => {
      const second = await database.open();
      const sinks = [createLedgerSink(store, { prices, maxBatchSize: 16 }), createLedgerSink(second, { prices, maxBatchSize: 16 })];
      const shared = makeLedgerEntry();
      const entries = Array.from({ length: 200 }, () => makeLedgerEntry({ userId: 4242 }));
      await Promise.all([
        ...entries.map((entry, index) => sinks[index % 2]!.record(entry)),
        sinks[0]!.record(shared),
        sinks[1]!.record(shared),
      ]);
      await Promise.all(sinks.map((sink) => sink.close()));
      const rows = await reader.usage.logs({ userId: 4242 }, 1000);
      expect(rows).toHaveLength(200);
      expect(new Set(rows.map((row) => row.requestId)).size).toBe(200);
      expect(await readRow(shared.requestId)).toHaveLength(1);
    });
  });
}

describe("ledger sink with a spill for failed writes (PostgreSQL deployments)", () => {
  const noStore = {} as Store;

  test("a failed write the spill takes counts as written: record() resolves at once, no retry, not failing", async () => {
    const logger = recordingLogger();
    const spilled: string[] = [];
    let writes = 0;
    const sink = createLedgerSink(noStore, {
      prices,
      logger,
      retryDelayMs: 60_000,
      write: () => {
        writes += 1;
        throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      },
      onWriteFailed: (rows) => (spilled.push(...rows.map((row) => row.requestId)), true),
      spilledCount: () => spilled.length,
    });
    const entry = makeLedgerEntry();
    await sink.record(entry);
    expect(spilled).toEqual([entry.requestId]);
    expect(writes).toBe(1);
    expect(sink.failing()).toBe(false);
    expect(sink.spilledCount()).toBe(1);
    expect(logger.errors).toEqual([]);
    await sink.close();
  });

  test("a failure the spill refuses (a fault, or its disk fails too) is retried as before, and the answer waits", async () => {
    const logger = recordingLogger();
    let down = true;
    let offered = 0;
    const sink = createLedgerSink(noStore, {
      prices,
      logger,
      retryDelayMs: 5,
      write: () => {
        if (down) throw new Error("disk I/O error");
      },
      onWriteFailed: () => (offered += 1, false),
    });
    let resolved = false;
    const recorded = sink.record(makeLedgerEntry()).then(() => (resolved = true));
    while (logger.errors.length < 2) await Bun.sleep(5);
    expect(resolved).toBe(false);
    expect(sink.failing()).toBe(true);
    expect(offered).toBeGreaterThanOrEqual(2); // offered again at every failure
    down = false;
    await recorded;
    expect(sink.failing()).toBe(false);
    await sink.close();
  });
});
