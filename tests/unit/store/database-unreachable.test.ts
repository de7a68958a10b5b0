import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import postgres from "postgres";
import { GatewayError } from "../../../src/errors/gateway-error";
import { isDatabaseUnreachable } from "../../../src/store/database-unreachable";
import { createPgDatabase, pgSkipReason } from "../../support/test-databases";

/** The error `work` fails with (the test fails when it does not). */
async function failureOf(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

/** A 127.0.0.1 port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("SQLite failures (bun:sqlite, as drizzle wraps them)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-unreachable-"));
  const path = join(dir, "gateway.db");
  const client = new Database(path, { create: true, strict: true });
  client.run("PRAGMA journal_mode = WAL");
  client.run("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  const db = drizzle({ client });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a bad statement or a constraint is the query's fault, not the database's", async () => {
    expect(isDatabaseUnreachable(await failureOf(() => db.run(sql`SELEC 1`)))).toBe(false);
    await db.run(sql`INSERT INTO t VALUES (1)`);
    expect(isDatabaseUnreachable(await failureOf(() => db.run(sql`INSERT INTO t VALUES (1)`)))).toBe(false);
  });

  test("locked by another process past busy_timeout (SQLITE_BUSY)", async () => {
    const other = new Database(path);
    other.run("BEGIN IMMEDIATE");
    try {
      client.run("PRAGMA busy_timeout = 0");
      expect(isDatabaseUnreachable(await failureOf(() => db.run(sql`INSERT INTO t VALUES (2)`)))).toBe(true);
    } finally {
      other.run("ROLLBACK");
      other.close();
    }
  });

  test("a database that cannot be written (SQLITE_READONLY)", async () => {
    const readOnly = new Database(path, { readonly: true });
    try {
      expect(isDatabaseUnreachable(await failureOf(() => drizzle({ client: readOnly }).run(sql`INSERT INTO t VALUES (3)`)))).toBe(true);
    } finally {
      readOnly.close();
    }
  });

  test("a handle already closed (the gateway stopping under the request)", async () => {
    const closing = new Database(path);
    closing.close();
    expect(isDatabaseUnreachable(await failureOf(() => drizzle({ client: closing }).run(sql`SELECT 1`)))).toBe(true);
  });
});

describe("PostgreSQL failures (postgres.js)", () => {
  test("nothing listening (ECONNREFUSED), and a pool already ended (CONNECTION_ENDED)", async () => {
    const refused = postgres(`postgres://nobody@127.0.0.1:${await closedPort()}/none`, { max: 1, connect_timeout: 2, onnotice: () => {} });
    expect(isDatabaseUnreachable(await failureOf(() => refused`SELECT 1`))).toBe(true);
    await refused.end();
    expect(isDatabaseUnreachable(await failureOf(() => refused`SELECT 1`))).toBe(true);
  });

  describe.skipIf(pgSkipReason !== null)("against a real server", () => {
    test("a connection the server terminates (a restart), or a server that only reads (a standby after failover), is unreachable; a bad statement or a duplicate is not", async () => {
      const database = await createPgDatabase();
      const url = database.options.databaseUrl!;
      const victim = postgres(url, { max: 1, onnotice: () => {} });
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        expect(isDatabaseUnreachable(await failureOf(() => victim`SELEC 1`))).toBe(false);
        await victim`CREATE TABLE t (id int PRIMARY KEY)`;
        await victim`INSERT INTO t VALUES (1)`;
        expect(isDatabaseUnreachable(await failureOf(() => victim`INSERT INTO t VALUES (1)`))).toBe(false);
        // A standby refuses writes with SQLSTATE 25006, as a read-only transaction does.
        const readOnly = await failureOf(() => victim.begin("READ ONLY", (tx) => tx`INSERT INTO t VALUES (2)`));
        expect((readOnly as { code?: string }).code).toBe("25006");
        expect(isDatabaseUnreachable(readOnly)).toBe(true);
        const [backend] = await victim<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
        const sleeping = failureOf(() => victim`SELECT pg_sleep(10)`);
        await Bun.sleep(100);
        await admin`SELECT pg_terminate_backend(${backend!.pid})`;
        expect(isDatabaseUnreachable(await sleeping)).toBe(true);
      } finally {
        await victim.end({ timeout: 1 });
        await admin.end({ timeout: 1 });
        await database.drop();
      }
    });
  });
});

describe("anything else", () => {
  test("plain errors, gateway errors and non-errors are not the database being unreachable", () => {
    for (const error of [new TypeError("x is undefined"), new GatewayError("internal_error", 500, "bug"), new RangeError("out of range"), undefined, null, "ECONNREFUSED", { code: "57P01" }]) {
      expect(isDatabaseUnreachable(error)).toBe(false);
    }
  });

  test("a cause chain is followed (drizzle wraps, the gateway wraps), an AggregateError counts when every attempt was unreachable, and a cycle ends", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(isDatabaseUnreachable(new Error("Failed query", { cause: new Error("wrapped", { cause: refused }) }))).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([refused, Object.assign(new Error("x"), { code: "ETIMEDOUT" })]))).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([refused, new TypeError("bug")]))).toBe(false);
    const looped = new Error("a");
    (looped as { cause?: unknown }).cause = looped;
    expect(isDatabaseUnreachable(looped)).toBe(false);
  });
});
