/** Stored Responses API objects (`store`, `previous_response_id`), owned by a user, with an expiry. */
import { and, eq, gt, isNull, lte, or, type SQL } from "drizzle-orm";
import type { DbContext } from "./db-context";
import type { StoredResponseRecord, StoredResponseRepository } from "./types";

function toRecord(row: Record<string, unknown>): StoredResponseRecord {
  return {
    id: row.id as string,
    userId: row.userId === null ? null : Number(row.userId),
    model: row.model as string,
    createdAt: row.createdAt as Date,
    expiresAt: (row.expiresAt as Date | null) ?? null,
    request: row.requestJson as Record<string, unknown>,
    response: row.responseJson as Record<string, unknown>,
  };
}

export function createStoredResponseRepository(ctx: DbContext): StoredResponseRepository {
  const { db, tables } = ctx;
  const r = tables.storedResponses;

  /** Visible to `userId` at `now`: the owner matches (null only matches null) and it has not expired. */
  function visible(id: string, userId: number | null, now: Date): SQL {
    return and(eq(r.id, id), userId === null ? isNull(r.userId) : eq(r.userId, userId), or(isNull(r.expiresAt), gt(r.expiresAt, now)))!;
  }

  return {
    async put(record) {
      const values = {
        id: record.id,
        userId: record.userId,
        model: record.model,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        requestJson: record.request,
        responseJson: record.response,
      };
      const { id: _id, ...update } = values;
      await db.insert(r).values(values).onConflictDoUpdate({ target: r.id, set: update });
    },

    async get(id, userId, now) {
      const [row] = await db.select().from(r).where(visible(id, userId, now)).limit(1);
      return row ? toRecord(row) : null;
    },

    async delete(id, userId, now) {
      const deleted = await db.delete(r).where(visible(id, userId, now)).returning({ id: r.id });
      return deleted.length > 0;
    },

    async purgeExpired(now) {
      const deleted = await db.delete(r).where(lte(r.expiresAt, now)).returning({ id: r.id });
      return deleted.length;
    },
  };
}
