/**
 * Usage logs are paged with a cursor on (started_at, id): rows sharing a millisecond are split
 * across pages without a row skipped or repeated, through the API (`has_more`, `next_cursor`,
 * `?after=`) and `gateway usage` (`--after`, `--all`). Narrowing `until` could not do it: it is
 * exclusive and drops the whole millisecond.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { createAuthenticator } from "../../src/auth/authenticator";
import { createUsageRoutes } from "../../src/http/routes/usage";
import { createLedgerSink } from "../../src/ledger/ledger-sink";
import { toUsageRow } from "../../src/ledger/to-usage-row";
import type { Store, User } from "../../src/store/types";
import { runGateway } from "../support/cli-runner";
import { makeLedgerEntry } from "../support/ledger-entries";
import { dialectCases, type TestDatabase } from "../support/test-databases";
import { openUsageFixture } from "../support/usage-fixture";

type LogsPage = { entries: Array<{ request_id: string; started_at: string }>; has_more: boolean; next_cursor: string | null };

/** Five rows in one millisecond, two in the one before, one later: newest first is T2, then T1's five by id, then T0's two. */
const STAMPS = ["2025-06-01T10:00:00.001Z", "2025-06-01T10:00:00.001Z", "2025-06-01T10:00:00.002Z", "2025-06-01T10:00:00.002Z", "2025-06-01T10:00:00.002Z", "2025-06-01T10:00:00.002Z", "2025-06-01T10:00:00.002Z", "2025-06-01T10:00:00.003Z"];

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`usage logs paging on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let app: { handle(request: Request): Promise<Response> };
    let adminToken: string;
    let member: User;
    let expected: string[];
    const savedEnv = { ...process.env };
    const configDir = mkdtempSync(join(tmpdir(), "gw-paging-config-"));

    const get = async (path: string) => {
      const answer = await app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${adminToken}` } }));
      return { status: answer.status, body: (await answer.json()) as LogsPage & { error?: { message: string } } };
    };
    const cli = (args: string[]) => {
      const where = database.options.databaseUrl ? ["--database-url", database.options.databaseUrl] : ["--data-dir", database.options.dataDir!];
      return runGateway(["usage", "--user", "member@example.com", ...args, ...where]);
    };

    beforeAll(async () => {
      ({ database, store, member, adminToken } = await openUsageFixture(dialectCase, configDir));
      app = new Elysia().use(createUsageRoutes({ store, auth: createAuthenticator(store, { required: true }) }));
      const sink = createLedgerSink(store, { prices: null });
      for (const stamp of STAMPS) await sink.record(makeLedgerEntry({ userId: member.id, startedAt: new Date(stamp) }));
      await sink.close();
      // The order the pages must give: started_at, then id, both descending.
      const rows = await store.usage.logs({ userId: member.id }, 100);
      expected = [...rows].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id - a.id).map((row) => row.requestId);
      expect(expected).toHaveLength(STAMPS.length);
    });
    afterAll(async () => {
      process.env = savedEnv;
      rmSync(configDir, { recursive: true, force: true });
      await database.drop();
    });

    test("API: next_cursor pages through rows sharing a millisecond, each row once, in order", async () => {
      const seen: string[] = [];
      let path = `/api/v1/admin/usage/logs?user_id=${member.id}&limit=2`;
      for (let pages = 0; pages < 10; pages += 1) {
        const { status, body } = await get(path);
        expect(status).toBe(200);
        seen.push(...body.entries.map((entry) => entry.request_id));
        if (!body.has_more) {
          expect(body.next_cursor).toBeNull();
          break;
        }
        expect(typeof body.next_cursor).toBe("string");
        path = `/api/v1/admin/usage/logs?user_id=${member.id}&limit=2&after=${body.next_cursor}`;
      }
      expect(seen).toEqual(expected);
      // A page that ends exactly at the last row says there is no more.
      const exact = await get(`/api/v1/admin/usage/logs?user_id=${member.id}&limit=${STAMPS.length}`);
      expect(exact.body).toMatchObject({ has_more: false, next_cursor: null });
    });

    test("API: a cursor that is not one the gateway gave is a 400; the summary takes no cursor", async () => {
      for (const bad of ["nonsense", "bm9wZQ", "MTc0ODc3MjAwMDAwMS4w"]) {
        const { status, body } = await get(`/api/v1/admin/usage/logs?after=${bad}`);
        expect(status).toBe(400);
        expect(body.error!.message).toContain("after");
      }
      const summary = await app.handle(new Request("http://localhost/api/v1/admin/usage/summary?after=x", { headers: { authorization: `Bearer ${adminToken}` } }));
      expect(summary.status).toBe(400);
    });

    test("CLI: --json pages with --after, --all reads every page", async () => {
      const seen: string[] = [];
      let after: string[] = [];
      for (let pages = 0; pages < 10; pages += 1) {
        const run = await cli(["--limit", "3", "--json", ...after]);
        expect(run.code).toBe(0);
        const page = JSON.parse(run.out) as LogsPage;
        seen.push(...page.entries.map((entry) => entry.request_id));
        if (!page.has_more) break;
        after = ["--after", page.next_cursor!];
      }
      expect(seen).toEqual(expected);
      const all = await cli(["--all", "--json"]);
      expect(all.code).toBe(0);
      expect((JSON.parse(all.out) as LogsPage).entries.map((entry) => entry.request_id)).toEqual(expected);
      const table = await cli(["--limit", "2"]);
      expect(table.out).toContain("more rows: --after ");
      const bad = await cli(["--after", "nonsense"]);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain("--after");
    });

    test("CLI: --all reads past its first page of 1000 rows, each row once", async () => {
      const bulk = await store.users.create({ email: "bulk@example.com", role: "gateway_user" });
      const stamp = new Date("2025-06-02T00:00:00.000Z");
      await store.usage.insertBatch(Array.from({ length: 1003 }, () => toUsageRow(makeLedgerEntry({ userId: bulk.id, startedAt: stamp }), null, new Date())));
      const where = database.options.databaseUrl ? ["--database-url", database.options.databaseUrl] : ["--data-dir", database.options.dataDir!];
      const all = await runGateway(["usage", "--user", "bulk@example.com", "--all", "--json", ...where]);
      const ids = (JSON.parse(all.out) as LogsPage).entries.map((entry) => entry.request_id);
      expect(ids).toHaveLength(1003);
      expect(new Set(ids).size).toBe(1003);
    });
  });
}
