/** API keys: only the SHA-256 hash and the 12-character prefix are stored (reliability §2.1). */
import { and, asc, eq, isNull } from "drizzle-orm";
import { GatewayError } from "../errors/gateway-error";
import { assertNameHasNoControlCharacters } from "./display-name";
import type { DbContext } from "./db-context";
import { limitColumns, toLimits, toSpend } from "./limit-columns";
import type { ApiKey, ApiKeyRepository } from "./types";
import { toUserRecord } from "./user-record";
import { inWriteTransaction } from "./write-transaction";

function toApiKey(row: Record<string, unknown>): ApiKey {
  return {
    id: Number(row.id),
    uuid: row.uuid as string,
    userId: Number(row.userId),
    keyPrefix: row.keyPrefix as string,
    name: (row.name as string | null) ?? null,
    scopes: Array.isArray(row.scopes) ? (row.scopes as string[]) : [],
    expiresAt: (row.expiresAt as Date | null) ?? null,
    revokedAt: (row.revokedAt as Date | null) ?? null,
    createdAt: row.createdAt as Date,
    updatedAt: row.updatedAt as Date,
    limits: toLimits(row),
    spend: toSpend(row),
  };
}

export function createApiKeyRepository(ctx: DbContext): ApiKeyRepository {
  const { db, tables } = ctx;
  const { apiKeys, users } = tables;

  async function get(id: number): Promise<ApiKey | null> {
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
    return row ? toApiKey(row) : null;
  }

  return {
    get,

    async insert(key) {
      assertNameHasNoControlCharacters(key.name, "name");
      const now = new Date();
      const columns = {
        uuid: crypto.randomUUID(),
        userId: key.userId,
        keyHash: key.keyHash,
        keyPrefix: key.keyPrefix,
        name: key.name ?? null,
        scopes: key.scopes ?? [],
        expiresAt: key.expiresAt ?? null,
        createdAt: now,
        updatedAt: now,
        ...(await limitColumns(ctx, null, key.limits, null, now)),
      };
      // Only for an owner not deleted, checked in the insert's own transaction: a check before
      // it (issueApiKey's) can pass just before the owner is deleted, and the key then outlived
      // its owner unrevoked. On PostgreSQL the owner's row is held FOR SHARE until the insert
      // commits, so a deletion waits for it and then revokes the key with the others, or goes
      // first and this check sees the owner deleted (a locking read re-reads the row it waited for).
      const row = await inWriteTransaction(ctx, function* (tx) {
        const owner = tx.select({ id: users.id }).from(users).where(and(eq(users.id, key.userId), isNull(users.deletedAt)));
        const [alive] = yield ctx.dialect === "postgres" ? owner.for("share") : owner;
        if (!alive) return undefined;
        const [inserted] = (yield tx.insert(apiKeys).values(columns).returning()) as Array<typeof apiKeys.$inferSelect>;
        return inserted;
      });
      if (!row) throw new GatewayError("not_found", 404, `user ${key.userId} not found`);
      return toApiKey(row);
    },

    async listForUser(userId) {
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.id));
      return rows.map(toApiKey);
    },

    async findCredentialsByPrefix(prefix) {
      const rows = await db.select({ key: apiKeys, user: users }).from(apiKeys).innerJoin(users, eq(apiKeys.userId, users.id)).where(eq(apiKeys.keyPrefix, prefix));
      return rows.map((row) => ({ key: toApiKey(row.key), keyHash: row.key.keyHash, user: toUserRecord(row.user) }));
    },

    async update(id, patch) {
      assertNameHasNoControlCharacters(patch.name, "name");
      const current = await get(id);
      if (!current) return null;
      const now = new Date();
      const set: Record<string, unknown> = { updatedAt: now, ...(await limitColumns(ctx, current.limits, patch.limits, { apiKeyId: id }, now)) };
      if (patch.name !== undefined) set.name = patch.name;
      const [row] = await db.update(apiKeys).set(set).where(eq(apiKeys.id, id)).returning();
      return row ? toApiKey(row) : null;
    },

    async revoke(id) {
      const current = await get(id);
      if (!current) return null;
      if (current.revokedAt) return current;
      const now = new Date();
      const [row] = await db.update(apiKeys).set({ revokedAt: now, updatedAt: now }).where(eq(apiKeys.id, id)).returning();
      return row ? toApiKey(row) : null;
    },
  };
}
