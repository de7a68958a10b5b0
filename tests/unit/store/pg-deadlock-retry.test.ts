import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql as rawSql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { createDialectSql, type AnyDatabase, type DbContext } from "../../../src/store/db-context";
import { pgErrorCode, retryingDeadlocks } from "../../../src/store/pg-deadlock-retry";
import * as pgSchema from "../../../src/store/schema/pg";
import { inWriteTransaction } from "../../../src/store/write-transaction";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../../support/test-databases";

if (pgSkipReason) console.warn(`[skip] pg-deadlock-retry: ${pgSkipReason}`);

test("the PostgreSQL code is found on the error or on the error a driver wraps", () => {
  expect(pgErrorCode({ code: "40P01" })).toBe("40P01");
  expect(pgErrorCode(new Error("Failed query", { cause: Object.assign(new Error("deadlock detected"), { code: "40P01" }) }))).toBe("40P01");
  expect(pgErrorCode(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBeUndefined();
  expect(pgErrorCode("40P01")).toBeUndefined();
});

test("only deadlock and serialization losers run again, and not forever", async () => {
  let runs = 0;
  const failing = (code: string) => () => {
    runs++;
    return Promise.reject(Object.assign(new Error(code), { code }));
  };
  await expect(retryingDeadlocks(failing("23505"))).rejects.toThrow("23505");
  expect(runs).toBe(1);
  runs = 0;
  await expect(retryingDeadlocks(failing("40P01"))).rejects.toThrow("40P01");
  expect(runs).toBe(4);
  runs = 0;
  expect(await retryingDeadlocks(() => (++runs < 3 ? Promise.reject({ code: "40001" }) : Promise.resolve("done")))).toBe("done");
  expect(runs).toBe(3);
});

describe.skipIf(pgSkipReason !== null)("two transactions locking two rows in opposite orders (a real deadlock)", () => {
  let database: TestDatabase;
  let client: Sql;
  let ctx: DbContext;

  beforeAll(async () => {
    database = await createPgDatabase();
    client = postgres(database.options.databaseUrl!, { max: 4, onnotice: () => {} });
    await client.unsafe("CREATE TABLE counters (id integer PRIMARY KEY, value integer NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)");
    ctx = { dialect: "postgres", db: drizzlePg({ client, schema: pgSchema }) as unknown as AnyDatabase, pgClient: client, tables: pgSchema, sqlFor: createDialectSql("postgres") };
  }, 30_000);

  afterAll(async () => {
    await client?.end({ timeout: 2 });
    await database?.drop();
  });

  /** Both transactions hold their first row before either asks for its second: each calls `holdsOne()` after its first lock. */
  function crossedPair(run: (first: number, second: number, holdsOne: () => Promise<unknown[]>) => Promise<unknown>) {
    let arrived = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<unknown[]>((resolve) => (release = () => resolve([])));
    const holdsOne = () => {
      if (++arrived === 2) release();
      return bothHoldOne;
    };
    return Promise.allSettled([run(1, 2, holdsOne), run(2, 1, holdsOne)]);
  }

  const bump = (db: AnyDatabase, id: number) => db.execute(rawSql`UPDATE counters SET value = value + 1 WHERE id = ${id} RETURNING id`) as unknown as PromiseLike<unknown[]>;

  test("without a retry one of them fails with 40P01 (the scenario really deadlocks)", async () => {
    const results = await crossedPair((first, second, holdsOne) =>
      client.begin(async (tx) => {
        await tx`UPDATE counters SET value = value + 1 WHERE id = ${first}`;
        await holdsOne();
        await tx`UPDATE counters SET value = value + 1 WHERE id = ${second}`;
      }),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(pgErrorCode((results.find((result) => result.status === "rejected") as PromiseRejectedResult).reason)).toBe("40P01");
  }, 30_000);

  test("a write transaction that loses runs again, so both commit and each row counts both", async () => {
    await client`UPDATE counters SET value = 0`;
    let bodies = 0;
    const results = await crossedPair((first, second, holdsOne) =>
      inWriteTransaction(ctx, function* (tx) {
        bodies++;
        yield bump(tx, first);
        yield holdsOne();
        yield bump(tx, second);
        return first;
      }),
    );
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(bodies).toBe(3);
    expect([...(await client`SELECT id, value FROM counters ORDER BY id`)]).toEqual([
      { id: 1, value: 2 },
      { id: 2, value: 2 },
    ]);
  }, 30_000);
});
