/**
 * The users import is one transaction: a user created by someone else between the import's
 * check and its write (simulated by a trigger that creates it as the row before it is inserted)
 * rolls back every row, and the error names the row. The import used to check, then insert row
 * by row outside a transaction, leaving the rows before the conflict written.
 */
import { describe, expect, test } from "bun:test";
import { dialectCases, runRawSql, type TestDatabase, useMigratedStore } from "../../support/test-databases";

/** Make inserting `trigger@…` also create `clash@…`, as a concurrent create would. */
async function addSneakyCreate(database: TestDatabase, prefix: string): Promise<void> {
  const when = `${prefix}-b@import.test`;
  const clash = `${prefix}-c@import.test`;
  await runRawSql(database, {
    sqlite: [
      `CREATE TRIGGER sneak_${prefix} AFTER INSERT ON users WHEN NEW.email = '${when}' BEGIN INSERT INTO users (uuid, email, role, status, created_at, updated_at) VALUES ('${crypto.randomUUID()}', '${clash}', 'gateway_user', 'active', 0, 0); END`,
    ],
    postgres: [
      `CREATE FUNCTION sneak_${prefix}() RETURNS trigger AS $$ BEGIN IF NEW.email = '${when}' THEN INSERT INTO users (uuid, email, role, status, created_at, updated_at) VALUES (gen_random_uuid()::text, '${clash}', 'gateway_user', 'active', now(), now()); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
      `CREATE TRIGGER sneak_${prefix} AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION sneak_${prefix}()`,
    ],
  });
}

const rows = (prefix: string) => ["a", "b", "c", "d"].map((name) => ({ email: `${prefix}-${name}@import.test`, role: "gateway_user" as const }));

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`users import on ${dialectCase.dialect}`, () => {
    const opened = useMigratedStore(dialectCase);

    test("a conflict at write time rolls back every row and names the row", async () => {
      await addSneakyCreate(opened.database, "all");
      await expect(opened.store.users.importUsers(rows("all"), { skipExisting: false })).rejects.toMatchObject({
        status: 409,
        message: expect.stringContaining("import row 3: user all-c@import.test was created while importing; nothing was imported"),
      });
      for (const name of ["a", "b", "c", "d"]) expect(await opened.store.users.findByEmail(`all-${name}@import.test`)).toBeNull();
    });

    test("with skipExisting, a row created meanwhile is skipped and the others are imported", async () => {
      await addSneakyCreate(opened.database, "skip");
      const result = await opened.store.users.importUsers(rows("skip"), { skipExisting: true });
      expect(result.created.map((user) => user.email)).toEqual(["skip-a@import.test", "skip-b@import.test", "skip-d@import.test"]);
      expect(result.skipped).toEqual(["skip-c@import.test"]);
      expect(await opened.store.users.findByEmail("skip-c@import.test")).not.toBeNull();
    });

    test("a revived user and the limits given per user are imported with the rest", async () => {
      const gone = await opened.store.users.create({ email: "gone@import.test", role: "gateway_user" });
      await opened.store.users.softDelete(gone.id);
      const result = await opened.store.users.importUsers(
        [
          { email: "gone@import.test", role: "gateway_admin", displayName: "Back" },
          { email: "limited@import.test", role: "gateway_user", limits: { rpmLimit: 7 } },
        ],
        { skipExisting: false },
      );
      expect(result.created.map((user) => [user.id === gone.id, user.role, user.deletedAt])).toEqual([
        [true, "gateway_admin", null],
        [false, "gateway_user", null],
      ]);
      expect(result.created[1]!.limits.rpmLimit).toBe(7);
    });
  });
}
