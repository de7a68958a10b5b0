/**
 * Usage logs as CSV, through the API (`?format=csv`, `Accept: text/csv`) and `gateway usage
 * --format csv`: the JSON export's rows and fields, RFC 4180 quoting, client-chosen text guarded
 * against spreadsheet formulas, and every row of a ledger larger than one database page read a
 * page at a time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { createUsageRoutes } from "../../src/http/routes/usage";
import { toUsageRow } from "../../src/ledger/to-usage-row";
import { EXPORT_PAGE_SIZE } from "../../src/ledger/usage-pages";
import { USAGE_CSV_COLUMNS } from "../../src/ledger/usage-csv";
import type { Store, User } from "../../src/store/types";
import { runGateway } from "../support/cli-runner";
import { makeLedgerEntry } from "../support/ledger-entries";
import { parseCsv } from "../support/parse-csv";
import { dialectCases, type TestDatabase } from "../support/test-databases";
import { openUsageFixture } from "../support/usage-fixture";

/** More than one database page, so the export must read several. */
const BULK_ROWS = EXPORT_PAGE_SIZE + 37;
const HOSTILE_MODEL = '=HYPERLINK("http://evil.example","click")';
const HOSTILE_CLIENT_ID = "@SUM(1,2)\nnext";

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`usage logs as CSV on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let app: { handle(request: Request): Promise<Response> };
    let adminToken: string;
    let memberToken: string;
    let member: User;
    let bulk: User;
    const logQueries: number[] = [];
    const savedEnv = { ...process.env };
    const configDir = mkdtempSync(join(tmpdir(), "gw-usage-csv-config-"));

    const get = (path: string, headers: Record<string, string> = {}, token = adminToken) => app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }));
    const cli = (args: string[]) => {
      const where = database.options.databaseUrl ? ["--database-url", database.options.databaseUrl] : ["--data-dir", database.options.dataDir!];
      return runGateway(["usage", ...args, ...where]);
    };
    /** The records of a CSV answer as objects keyed by the header. */
    const readRecords = (text: string) => {
      const [header, ...records] = parseCsv(text);
      expect(header).toEqual([...USAGE_CSV_COLUMNS]);
      return records.map((record) => Object.fromEntries(header!.map((name, index) => [name, record[index]!])));
    };

    beforeAll(async () => {
      ({ database, store, member, adminToken } = await openUsageFixture(dialectCase, configDir));
      bulk = await store.users.create({ email: "bulk@example.com", role: "gateway_user" });
      memberToken = (await issueApiKey(store, { userId: member.id })).token;
      const now = new Date();
      await store.usage.insertBatch([
        toUsageRow(makeLedgerEntry({ userId: member.id, modelRequested: HOSTILE_MODEL, clientRequestId: HOSTILE_CLIENT_ID, startedAt: new Date("2025-06-01T10:00:00.000Z") }), null, now),
        toUsageRow(makeLedgerEntry({ userId: member.id, modelRequested: 'gpt-4o "mini", eu', status: 502, errorCode: "upstream_error", startedAt: new Date("2025-06-01T10:00:01.000Z") }), null, now),
        toUsageRow(makeLedgerEntry({ userId: member.id, startedAt: new Date("2025-06-01T10:00:02.000Z") }), null, now),
      ]);
      const stamp = new Date("2025-06-02T00:00:00.000Z");
      await store.usage.insertBatch(Array.from({ length: BULK_ROWS }, () => toUsageRow(makeLedgerEntry({ userId: bulk.id, startedAt: stamp }), null, now)));
      // Counts the rows each database query asks for: an export must page, never ask for them all.
      const usage = { ...store.usage, logs: (...args: Parameters<Store["usage"]["logs"]>) => (logQueries.push(args[1]), store.usage.logs(...args)) };
      app = new Elysia().use(createUsageRoutes({ store: { ...store, usage }, auth: createAuthenticator(store, { required: true }) }));
    });
    afterAll(async () => {
      process.env = savedEnv;
      rmSync(configDir, { recursive: true, force: true });
      await database.drop();
    });

    test("API ?format=csv: the JSON rows and fields, RFC 4180 quoted, formulas guarded", async () => {
      const json = (await (await get(`/api/v1/admin/usage/logs?user_id=${member.id}&limit=10`)).json()) as { entries: Array<Record<string, unknown>> };
      const answer = await get(`/api/v1/admin/usage/logs?user_id=${member.id}&format=csv`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toStartWith("text/csv");
      expect(answer.headers.get("content-disposition")).toContain("usage.csv");
      const records = readRecords(await answer.text());
      expect(records.map((record) => record.request_id)).toEqual(json.entries.map((entry) => entry.request_id as string));
      const hostile = records.find((record) => record.model_requested!.includes("HYPERLINK"))!;
      expect(hostile.model_requested).toBe(`'${HOSTILE_MODEL}`);
      expect(hostile.client_request_id).toBe(`'${HOSTILE_CLIENT_ID}`);
      const quoted = records.find((record) => record.status === "502")!;
      expect(quoted).toMatchObject({ model_requested: 'gpt-4o "mini", eu', error_code: "upstream_error", ttft_ms: "" });
      // Every other field as the JSON gives it.
      const jsonRow = json.entries.find((entry) => entry.request_id === quoted.request_id)!;
      for (const name of USAGE_CSV_COLUMNS) if (name !== "model_requested") expect(quoted[name]).toBe(jsonRow[name] === null ? "" : String(jsonRow[name]));
    });

    test("API: Accept: text/csv asks for CSV too; the caller's own route has it; an unknown format is a 400", async () => {
      const accepted = await get("/api/v1/admin/usage/logs?user_id=" + member.id, { accept: "text/csv" });
      expect(accepted.headers.get("content-type")).toStartWith("text/csv");
      expect(readRecords(await accepted.text())).toHaveLength(3);
      const own = await get("/api/v1/usage/logs?format=csv", {}, memberToken);
      expect(readRecords(await own.text())).toHaveLength(3);
      expect((await get("/api/v1/usage/logs", { accept: "application/json, text/csv" }, memberToken)).headers.get("content-type")).toStartWith("application/json");
      const bad = await get("/api/v1/admin/usage/logs?format=xml");
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("format");
    });

    test("API: with limit, CSV is that page and x-next-cursor the next (as next_cursor in JSON)", async () => {
      const first = await get(`/api/v1/admin/usage/logs?user_id=${member.id}&format=csv&limit=2`);
      const cursor = first.headers.get("x-next-cursor");
      expect(readRecords(await first.text())).toHaveLength(2);
      expect(cursor).toBeString();
      const rest = await get(`/api/v1/admin/usage/logs?user_id=${member.id}&format=csv&limit=2&after=${cursor}`);
      expect(rest.headers.get("x-next-cursor")).toBeNull();
      expect(readRecords(await rest.text())).toHaveLength(1);
    });

    test("API: without limit, every row of a ledger larger than one page, each once, read a page at a time", async () => {
      logQueries.length = 0;
      const answer = await get(`/api/v1/admin/usage/logs?user_id=${bulk.id}&format=csv`);
      const ids = readRecords(await answer.text()).map((record) => record.id);
      expect(ids).toHaveLength(BULK_ROWS);
      expect(new Set(ids).size).toBe(BULK_ROWS);
      expect(logQueries.length).toBeGreaterThan(1);
      expect(Math.max(...logQueries)).toBeLessThanOrEqual(EXPORT_PAGE_SIZE);
    });

    test("CLI --format csv: the same rows (no summary), every row without --limit, a page and its cursor on stderr with it", async () => {
      const all = await cli(["--user", "bulk@example.com", "--format", "csv"]);
      expect(all.code).toBe(0);
      // The runner joins output calls with "\n", as console.log ends each: the records end with CRLF.
      const ids = readRecords(`${all.out}\n`).map((record) => record.id);
      expect(new Set(ids).size).toBe(BULK_ROWS);
      const member3 = readRecords(`${(await cli(["--user", "member@example.com", "--format", "csv"])).out}\n`);
      expect(member3.map((record) => record.model_requested)).toContain(`'${HOSTILE_MODEL}`);
      const page = await cli(["--user", "member@example.com", "--format", "csv", "--limit", "2"]);
      expect(readRecords(`${page.out}\n`)).toHaveLength(2);
      expect(page.err).toContain("more rows: --after ");
      expect(await cli(["--format", "csv", "--json"])).toMatchObject({ code: 1 });
      expect(await cli(["--format", "csv", "--limit", "0"])).toMatchObject({ code: 1, err: expect.stringContaining("--limit 0") });
      // The table is unchanged: its default is still 20 rows.
      expect((await cli(["--user", "bulk@example.com"])).out).toContain("more rows: --after ");
    });
  });
}
