import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { toUsageRow } from "../../../src/ledger/to-usage-row";
import { parsePriceTable } from "../../../src/ledger/price-table";
import type { Store } from "../../../src/store/types";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { dialectCases, type TestDatabase } from "../../support/test-databases";

const prices = parsePriceTable(`[[prices]]\nmodel = "gpt-4o"\ninput = 2.5\noutput = 10`);
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`usage queries on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      const at = (iso: string) => new Date(iso);
      const entries = [
        makeLedgerEntry({ userId: 1, startedAt: at("2025-03-01T23:59:59.000Z"), modelRequested: "gpt-4o", usage: usage(100, 10) }),
        makeLedgerEntry({ userId: 1, startedAt: at("2025-03-02T00:00:00.000Z"), modelRequested: "gpt-4o", usage: usage(200, 20) }),
        makeLedgerEntry({ userId: 1, startedAt: at("2025-03-02T12:00:00.000Z"), modelRequested: "gpt-4o", usage: usage(300, 30) }),
        makeLedgerEntry({ userId: 1, startedAt: at("2025-03-02T13:00:00.000Z"), modelRequested: "fast", modelServed: "claude-x", usage: usage(5, 5) }),
        makeLedgerEntry({ userId: 2, startedAt: at("2025-03-02T14:00:00.000Z"), modelRequested: "gpt-4o", status: 502, errorCode: "upstream_error", usage: usage(0, 0) }),
      ];
      await store.usage.insertBatch(entries.map((entry) => toUsageRow(entry, prices, new Date())));
    });
    afterAll(async () => database.drop());

    test("summary totals and groups by UTC day and requested model", async () => {
      const summary = await store.usage.summary({ userId: 1 });
      expect(summary.totals).toEqual({
        requests: 4,
        promptTokens: 605,
        completionTokens: 65,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        // gpt-4o rows: (600 × 2.5 + 60 × 10) = 2100 micro-dollars; the claude-x row has no price.
        costMicroUsd: 2100,
        unpricedRequests: 1,
        errors: 0,
      });
      expect(summary.byDayModel.map((group) => [group.day, group.model, group.requests, group.promptTokens])).toEqual([
        ["2025-03-01", "gpt-4o", 1, 100],
        ["2025-03-02", "fast", 1, 5],
        ["2025-03-02", "gpt-4o", 2, 500],
      ]);
    });

    test("filters: model (asked or served), since inclusive, until exclusive, across users", async () => {
      expect((await store.usage.summary({ model: "claude-x" })).totals.requests).toBe(1);
      expect((await store.usage.summary({ model: "gpt-4o" })).totals).toMatchObject({ requests: 4, errors: 1 });
      const window = await store.usage.summary({ since: new Date("2025-03-02T00:00:00.000Z"), until: new Date("2025-03-02T13:00:00.000Z") });
      expect(window.totals.requests).toBe(2);
      expect((await store.usage.summary({ userId: 99 })).totals).toMatchObject({ requests: 0, promptTokens: 0, costMicroUsd: 0 });
    });

    test("logs are newest first and limited", async () => {
      const logs = await store.usage.logs({}, 3);
      expect(logs.map((row) => row.startedAt.toISOString())).toEqual(["2025-03-02T14:00:00.000Z", "2025-03-02T13:00:00.000Z", "2025-03-02T12:00:00.000Z"]);
      expect((await store.usage.logs({ userId: 2 }, 10)).map((row) => row.errorCode)).toEqual(["upstream_error"]);
    });
  });
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`usage summary while rows are written on ${dialectCase.dialect}`, () => {
    test("the totals are always the sum of the day-and-model groups, also while another connection inserts", async () => {
      const database = await dialectCase.create();
      try {
        const reader = await database.openMigrated();
        const writer = await database.open();
        let writing = true;
        const written = (async () => {
          for (let batch = 0; writing && batch < 2000; batch++) {
            const entries = [makeLedgerEntry({ userId: 7, modelRequested: batch % 2 ? "gpt-4o" : "other", usage: usage(10, 1) })];
            await writer.usage.insertBatch(entries.map((entry) => toUsageRow(entry, prices, new Date())));
          }
        })();
        try {
          for (let read = 0; read < 60; read++) {
            const { totals, byDayModel } = await reader.usage.summary({ userId: 7 });
            const added = byDayModel.reduce((sum, group) => ({ requests: sum.requests + group.requests, promptTokens: sum.promptTokens + group.promptTokens, cost: sum.cost + group.costMicroUsd }), { requests: 0, promptTokens: 0, cost: 0 });
            expect({ requests: totals.requests, promptTokens: totals.promptTokens, cost: totals.costMicroUsd }).toEqual(added);
          }
        } finally {
          writing = false;
          await written;
        }
      } finally {
        await database.drop();
      }
    }, 60_000);
  });
}
