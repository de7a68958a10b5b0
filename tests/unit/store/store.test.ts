import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import type { Store } from "../../../src/store/types";
import { dialectCases, type TestDatabase } from "../../support/test-databases";

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`store on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.open();
    });
    afterAll(async () => database.drop());

    test("migrate applies the embedded migrations once and reports status", async () => {
      expect((await store.migrationStatus()).applied).toEqual([]);
      const first = await store.migrate();
      expect(first.applied).toEqual(["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"]);
      const second = await store.migrate();
      expect(second.applied).toEqual([]);
      expect(await store.migrationStatus()).toEqual({ applied: ["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"], pending: [] });
    });

    test("ensureRootAdmin creates once, then renames when admin_email changes", async () => {
      const root = await store.users.ensureRootAdmin("Admin@Local");
      expect(root.email).toBe("admin@local");
      expect(root.role).toBe("root_admin");
      expect((await store.users.ensureRootAdmin("admin@local")).id).toBe(root.id);
      const renamed = await store.users.ensureRootAdmin("boss@example.com");
      expect(renamed.id).toBe(root.id);
      expect(renamed.email).toBe("boss@example.com");
      expect((await store.users.list()).filter((user) => user.role === "root_admin")).toHaveLength(1);
    });

    test("users: create, duplicate, update, soft delete revokes keys, revive", async () => {
      const user = await store.users.create({ email: "ann@example.com", role: "gateway_user", displayName: "Ann" });
      expect(user).toMatchObject({ email: "ann@example.com", role: "gateway_user", displayName: "Ann", status: "active", deletedAt: null });
      await expect(store.users.create({ email: "ANN@example.com", role: "gateway_user" })).rejects.toMatchObject({ code: "conflict", status: 409 });
      await expect(store.users.create({ email: "root2@example.com", role: "root_admin" })).rejects.toBeInstanceOf(GatewayError);
      await expect(store.users.create({ email: "not-an-email", role: "gateway_user" })).rejects.toMatchObject({ code: "invalid_request" });

      const updated = await store.users.update(user.id, { role: "gateway_admin", displayName: "Ann B", status: "inactive" });
      expect(updated).toMatchObject({ role: "gateway_admin", displayName: "Ann B", status: "inactive" });

      const key = await store.apiKeys.insert({ userId: user.id, keyHash: "a".repeat(64), keyPrefix: "tok_abcdefgh", scopes: ["models"] });
      expect(key.scopes).toEqual(["models"]);
      const deleted = await store.users.softDelete(user.id);
      expect(deleted?.deletedAt).toBeInstanceOf(Date);
      expect(deleted?.status).toBe("inactive");
      expect((await store.apiKeys.get(key.id))?.revokedAt).toBeInstanceOf(Date);
      expect((await store.users.list()).some((listed) => listed.id === user.id)).toBe(false);
      expect((await store.users.list({ includeDeleted: true })).some((listed) => listed.id === user.id)).toBe(true);
      expect(await store.users.softDelete(user.id)).toBeNull();
      expect(await store.users.update(user.id, { displayName: "x" })).toBeNull();
      // No key can be created for a deleted user (user-delete-atomic.test.ts has the races).
      await expect(store.apiKeys.insert({ userId: user.id, keyHash: "7".repeat(64), keyPrefix: "tok_racedkey", scopes: ["models"] })).rejects.toMatchObject({ status: 404 });

      const revived = await store.users.create({ email: "ann@example.com", role: "gateway_user" });
      expect(revived.id).toBe(user.id);
      expect(revived.deletedAt).toBeNull();
      expect((await store.apiKeys.get(key.id))?.revokedAt).toBeInstanceOf(Date);
    });

    test("the root admin cannot be deleted, deactivated or demoted", async () => {
      const root = await store.users.ensureRootAdmin("boss@example.com");
      await expect(store.users.softDelete(root.id)).rejects.toMatchObject({ status: 400 });
      await expect(store.users.update(root.id, { status: "inactive" })).rejects.toMatchObject({ status: 400 });
      await expect(store.users.update(root.id, { role: "gateway_user" })).rejects.toMatchObject({ status: 400 });
    });

    test("import: all-or-nothing without skipExisting, skips with it", async () => {
      await store.users.create({ email: "dup@example.com", role: "gateway_user" });
      await expect(
        store.users.importUsers(
          [
            { email: "new1@example.com", role: "gateway_user" },
            { email: "dup@example.com", role: "gateway_user" },
          ],
          { skipExisting: false },
        ),
      ).rejects.toMatchObject({ code: "conflict" });
      expect(await store.users.findByEmail("new1@example.com")).toBeNull();
      const result = await store.users.importUsers(
        [
          { email: "new1@example.com", role: "gateway_admin", displayName: "N1" },
          { email: "dup@example.com", role: "gateway_user" },
          { email: "new1@example.com", role: "gateway_user" },
        ],
        { skipExisting: true },
      );
      expect(result.created.map((user) => [user.email, user.role, user.displayName])).toEqual([["new1@example.com", "gateway_admin", "N1"]]);
      expect(result.skipped).toEqual(["dup@example.com", "new1@example.com"]);
    });

    test("re-creating a deleted user gives it the new limits only, not the deleted user's budget and rates", async () => {
      const first = await store.users.create({ email: "again@example.com", role: "gateway_admin", displayName: "Old", limits: { budgetMicroUsd: 3_000_000, rpmLimit: 5 } });
      await store.users.softDelete(first.id);
      const revived = await store.users.create({ email: "again@example.com", role: "gateway_user", limits: { tpmLimit: 1000 } });
      expect(revived).toMatchObject({ id: first.id, role: "gateway_user", displayName: null, limits: { budgetMicroUsd: null, budgetPeriod: null, rpmLimit: null, tpmLimit: 1000 } });
    });

    test("import: an e-mail twice in the file is named as a repeat, not as a user that already exists", async () => {
      const twice = [
        { email: "twice@example.com", role: "gateway_user" as const },
        { email: "Twice@Example.com", role: "gateway_user" as const },
      ];
      await expect(store.users.importUsers(twice, { skipExisting: false })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("twice@example.com appears twice in the import") });
      expect(await store.users.findByEmail("twice@example.com")).toBeNull();
    });

    test("api keys: list, credentials by prefix with owner, idempotent revoke", async () => {
      const owner = await store.users.create({ email: "keys@example.com", role: "gateway_user" });
      const expiresAt = new Date(Date.now() + 3_600_000);
      const key = await store.apiKeys.insert({ userId: owner.id, keyHash: "b".repeat(64), keyPrefix: "tok_prefix01", name: "ci", expiresAt });
      expect(key.expiresAt?.getTime()).toBe(expiresAt.getTime());
      expect(await store.apiKeys.listForUser(owner.id)).toEqual([key]);
      const [credential] = await store.apiKeys.findCredentialsByPrefix("tok_prefix01");
      expect(credential?.keyHash).toBe("b".repeat(64));
      expect(credential?.user.email).toBe("keys@example.com");
      expect(await store.apiKeys.findCredentialsByPrefix("tok_nothere0")).toEqual([]);
      const revoked = await store.apiKeys.revoke(key.id);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      expect((await store.apiKeys.revoke(key.id))?.revokedAt?.getTime()).toBe(revoked!.revokedAt!.getTime());
      expect(await store.apiKeys.revoke(999_999)).toBeNull();
    });
  });
}
