/**
 * Deleting a user is one transaction (its keys revoked and the user marked deleted together),
 * and a key cannot be created for a deleted user, on both dialects. Before, the delete was two
 * statements: a failure between them left the keys revoked and the user active, and a key
 * created while the delete ran outlived its owner unrevoked (only a later revive revoked it).
 */
import { describe, expect, test } from "bun:test";
import { issueApiKey } from "../../../src/auth/issue-api-key";
import { dialectCases, runRawSql, useMigratedStore } from "../../support/test-databases";

let keys = 0;
const keyFor = (userId: number) => {
  keys += 1;
  const suffix = String(keys).padStart(8, "0");
  return { userId, keyHash: suffix.padStart(64, "f"), keyPrefix: `tok_${suffix}`, scopes: ["models"] };
};

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`deleting a user on ${dialectCase.dialect}`, () => {
    const opened = useMigratedStore(dialectCase);

    test("a delete that fails half-way changes nothing: the keys stay valid and the user active", async () => {
      const user = await opened.store.users.create({ email: "half@delete.test", role: "gateway_user" });
      const key = await opened.store.apiKeys.insert(keyFor(user.id));
      // The user's UPDATE fails after the keys' one ran, as a lost connection or a full disk would.
      await runRawSql(opened.database, {
        sqlite: [`CREATE TRIGGER refuse_delete BEFORE UPDATE OF deleted_at ON users WHEN NEW.email = 'half@delete.test' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`],
        postgres: [
          `CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ BEGIN IF NEW.email = 'half@delete.test' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
          `CREATE TRIGGER refuse_delete BEFORE UPDATE OF deleted_at ON users FOR EACH ROW EXECUTE FUNCTION refuse_delete()`,
        ],
      });
      await expect(opened.store.users.softDelete(user.id)).rejects.toThrow();
      expect((await opened.store.users.get(user.id))?.deletedAt).toBeNull();
      expect((await opened.store.apiKeys.get(key.id))?.revokedAt).toBeNull();
    });

    test("a key cannot be created for a deleted user, even past the caller's own check", async () => {
      const user = await opened.store.users.create({ email: "gone@delete.test", role: "gateway_user" });
      await opened.store.users.softDelete(user.id);
      await expect(opened.store.apiKeys.insert(keyFor(user.id))).rejects.toMatchObject({ code: "not_found", status: 404 });
      expect(await opened.store.apiKeys.listForUser(user.id)).toEqual([]);
    });

    test("concurrent deletes and key creations on two connections never leave a live key on a deleted user", async () => {
      const other = await opened.database.open();
      for (let round = 0; round < 20; round++) {
        const user = await opened.store.users.create({ email: `race${round}@delete.test`, role: "gateway_user" });
        const creations = Array.from({ length: 4 }, (_, index) => issueApiKey(index % 2 ? opened.store : other, { userId: user.id }).catch((error: { status?: number }) => error.status));
        const deletion = (round % 2 ? opened.store : other).users.softDelete(user.id);
        const outcomes = await Promise.all([...creations, deletion]);
        for (const outcome of outcomes.slice(0, 4)) if (typeof outcome === "number") expect(outcome).toBe(404);
        expect((await opened.store.users.get(user.id))?.deletedAt).not.toBeNull();
        expect((await opened.store.apiKeys.listForUser(user.id)).filter((key) => key.revokedAt === null)).toEqual([]);
      }
    });

    test("two concurrent re-creations of a deleted user revive it once; the other is a 409", async () => {
      const user = await opened.store.users.create({ email: "twice@delete.test", role: "gateway_user" });
      await opened.store.users.softDelete(user.id);
      const other = await opened.database.open();
      const outcomes = await Promise.allSettled([opened.store.users.create({ email: "twice@delete.test", role: "gateway_user" }), other.users.create({ email: "twice@delete.test", role: "gateway_admin" })]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(outcomes.find((outcome) => outcome.status === "rejected")).toMatchObject({ reason: { code: "conflict", status: 409 } });
    });

    // PostgreSQL only, not skipped on SQLite: SQLite admits one writer at a time, so a key insert
    // cannot be under way while the delete runs there.
    if (dialectCase.dialect === "postgres")
      test("PostgreSQL: a key still being inserted when the delete starts is revoked by that delete", async () => {
      const user = await opened.store.users.create({ email: "slow@delete.test", role: "gateway_user" });
      // The key's INSERT takes 400 ms (after its owner check), so the delete runs in the middle of it.
      await runRawSql(opened.database, {
        sqlite: [],
        postgres: [
          `CREATE FUNCTION slow_key() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.4); RETURN NEW; END $$ LANGUAGE plpgsql`,
          `CREATE TRIGGER slow_key BEFORE INSERT ON api_keys FOR EACH ROW WHEN (NEW.key_prefix = 'tok_slowslow') EXECUTE FUNCTION slow_key()`,
        ],
      });
      const other = await opened.database.open();
      const creation = other.apiKeys.insert({ userId: user.id, keyHash: "5".repeat(64), keyPrefix: "tok_slowslow", scopes: ["models"] });
      await Bun.sleep(150);
      const deleted = await opened.store.users.softDelete(user.id);
      const key = await creation;
      expect(deleted?.deletedAt).not.toBeNull();
      expect((await opened.store.apiKeys.get(key.id))?.revokedAt).not.toBeNull();
    });
  });
}
