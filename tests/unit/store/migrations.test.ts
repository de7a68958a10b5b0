import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderEmbeddedMigrations } from "../../../src/store/migrations/render-embedded";
import { redactDatabaseUrl, resolveDatabaseTarget } from "../../../src/store/open-store";
import { createPgDatabase, createSqliteDatabase, pgSkipReason, type TestDatabase } from "../../support/test-databases";

const root = join(import.meta.dir, "../../..");

test("the embedded migrations module matches the drizzle folders (run scripts/embed-migrations.ts)", () => {
  expect(readFileSync(join(root, "src/store/migrations/embedded.ts"), "utf8")).toBe(renderEmbeddedMigrations(root));
});

test("database target: postgres URLs, sqlite paths, default file in the data dir", () => {
  expect(resolveDatabaseTarget({ databaseUrl: "postgresql://u:p@h/db" })).toEqual({ dialect: "postgres", url: "postgresql://u:p@h/db" });
  expect(resolveDatabaseTarget({ databaseUrl: "postgres://h/db", dataDir: "/x" }).dialect).toBe("postgres");
  expect(resolveDatabaseTarget({ dataDir: "/var/lib/gw" })).toEqual({ dialect: "sqlite", path: "/var/lib/gw/gateway.db" });
  expect(resolveDatabaseTarget({ databaseUrl: "sqlite:///tmp/a.db" })).toEqual({ dialect: "sqlite", path: "/tmp/a.db" });
  expect((resolveDatabaseTarget({ dataDir: "~/gw" }) as { path: string }).path.includes("~")).toBe(false);
  expect(() => resolveDatabaseTarget({})).toThrow();
  expect(redactDatabaseUrl("postgres://u:secret@h:5432/db")).not.toContain("secret");
});

describe("concurrent start-up", () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  test("two processes' stores migrating one SQLite file together apply the migration once", async () => {
    const database = await createSqliteDatabase();
    databases.push(database);
    const [a, b] = [await database.open(), await database.open()];
    const results = await Promise.all([a.migrate(), b.migrate()]);
    expect(results.flatMap((result) => result.applied)).toEqual(["0000_init"]);
  });

  test.skipIf(pgSkipReason !== null)("replicas migrating one PostgreSQL database together serialise on the advisory lock", async () => {
    const database = await createPgDatabase();
    databases.push(database);
    const stores = await Promise.all([database.open(), database.open(), database.open()]);
    const results = await Promise.all(stores.map((store) => store.migrate()));
    expect(results.flatMap((result) => result.applied)).toEqual(["0000_init"]);
    for (const store of stores) expect((await store.migrationStatus()).pending).toEqual([]);
  });
});
