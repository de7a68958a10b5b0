/** Stored Responses API objects (`store`, `previous_response_id`), owned by a user, with an expiry. */
import { and, desc, eq, gt, inArray, isNull, lt, lte, not, or, type SQL, sql } from "drizzle-orm";
import type { DbContext } from "./db-context";
import { itemRowsOf } from "./stored-response-items";
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

/** Statuses of a response that is still running (OpenAI background mode): anything else is its final state. */
const UNSETTLED = ["queued", "in_progress"];

export function createStoredResponseRepository(ctx: DbContext): StoredResponseRepository {
  const { db, tables, sqlFor } = ctx;
  const r = tables.storedResponses;
  const items = tables.storedResponseItems;

  /**
   * The record's item ids, after the record itself. Only added, never taken away: a rewrite
   * (running, then final) only adds items, and a stale row costs nothing (the lookup checks the
   * items themselves). Rows written before their record are invisible: lookups join the record.
   */
  const indexItems = async (record: StoredResponseRecord) => {
    const rows = itemRowsOf(record);
    // Batches keep SQLite's limit on bound parameters (32766) far away for a long conversation.
    for (let start = 0; start < rows.length; start += 1000) await db.insert(items).values(rows.slice(start, start + 1000)).onConflictDoNothing();
  };
  /** Not deleted and not expired at `now`. */
  const live = (now: Date): SQL => and(isNull(r.deletedAt), or(isNull(r.expiresAt), gt(r.expiresAt, now)))!;
  /** Visible to `userId` at `now`: the owner matches (null only matches null), live. */
  function visible(id: string, userId: number | null, now: Date): SQL {
    return and(eq(r.id, id), userId === null ? isNull(r.userId) : eq(r.userId, userId), live(now))!;
  }

  const valuesOf = (record: StoredResponseRecord) => ({
    id: record.id,
    userId: record.userId,
    model: record.model,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    requestJson: record.request,
    responseJson: record.response,
  });

  return {
    async put(record) {
      const { id: _id, ...update } = valuesOf(record);
      // A deleted response is never written back (a background run finishing after its delete).
      const written = await db.insert(r).values(valuesOf(record)).onConflictDoUpdate({ target: r.id, set: update, setWhere: isNull(r.deletedAt) }).returning({ id: r.id });
      if (written.length > 0) await indexItems(record);
    },

    async putUnlessSettled(record, writtenBefore) {
      const { id: _id, ...update } = valuesOf(record);
      // One statement, so a final state written by another request or replica between a
      // reader's look and this write is never overwritten with an older, running one (nor, with
      // `writtenBefore`, a record its runner wrote again meanwhile).
      const running = and(inArray(sqlFor.jsonText(r.responseJson, "status"), UNSETTLED), isNull(r.deletedAt))!;
      const written = await db
        .insert(r)
        .values(valuesOf(record))
        .onConflictDoUpdate({ target: r.id, set: update, setWhere: writtenBefore ? and(running, lt(r.createdAt, writtenBefore)) : running })
        .returning({ id: r.id });
      if (written.length === 0) return false;
      await indexItems(record);
      return true;
    },

    async orphanedBackground(writtenBefore, now, limit) {
      const rows = await db
        .select()
        .from(r)
        .where(
          and(
            or(sql`${sqlFor.jsonText(r.requestJson, "native_background")} is not null`, sql`${sqlFor.jsonText(r.requestJson, "gateway_background")} is not null`),
            inArray(sqlFor.jsonText(r.responseJson, "status"), UNSETTLED),
            lt(r.createdAt, writtenBefore),
            live(now),
          ),
        )
        .limit(limit);
      return rows.map(toRecord);
    },

    async get(id, userId, now) {
      const [row] = await db.select().from(r).where(visible(id, userId, now)).limit(1);
      return row ? toRecord(row) : null;
    },

    async holdersOfItems(itemIds, userId, now) {
      if (itemIds.length === 0) return [];
      // Every visible holder of each id (no JSON read), then one record per id: one that has it
      // in its output (where the gateway's own ids come from) before one that only replays it in
      // its input, the newest first.
      const holders = await db
        .select({ itemId: items.itemId, responseId: items.responseId, inOutput: items.inOutput, createdAt: r.createdAt })
        .from(items)
        .innerJoin(r, eq(r.id, items.responseId))
        .where(and(inArray(items.itemId, itemIds), userId === null ? isNull(r.userId) : eq(r.userId, userId), live(now)));
      const best = new Map<string, (typeof holders)[number]>();
      for (const holder of holders) {
        const chosen = best.get(holder.itemId);
        const better = !chosen || (holder.inOutput && !chosen.inOutput) || (holder.inOutput === chosen.inOutput && holder.createdAt > chosen.createdAt);
        if (better) best.set(holder.itemId, holder);
      }
      const ids = [...new Set([...best.values()].map((holder) => holder.responseId))];
      if (ids.length === 0) return [];
      const rows = await db.select().from(r).where(inArray(r.id, ids)).orderBy(desc(r.createdAt));
      return rows.map(toRecord);
    },

    async delete(id, userId, now) {
      // A finished response goes. One still running (a background run, here or on another
      // replica) stays as an empty, invisible row until it expires, so its run's later writes
      // (heartbeat, final state) find it deleted instead of storing it again.
      // A record without a status (a foreground answer that had none) is finished too.
      const running = inArray(sql`coalesce(${sqlFor.jsonText(r.responseJson, "status")}, '')`, UNSETTLED);
      let deleted = await db.delete(r).where(and(visible(id, userId, now), not(running))).returning({ id: r.id });
      if (deleted.length === 0) {
        deleted = await db
          .update(r)
          .set({ deletedAt: now, requestJson: {}, responseJson: { id, object: "response", status: "deleted" } })
          .where(and(visible(id, userId, now), running))
          .returning({ id: r.id });
      }
      // After the record: a stop between the two leaves rows no lookup can see (they join it).
      if (deleted.length > 0) await db.delete(items).where(eq(items.responseId, id));
      return deleted.length > 0;
    },

    async purgeExpired(now) {
      // The expired records' item rows first: once the records are gone nothing names them.
      await db.delete(items).where(inArray(items.responseId, db.select({ id: r.id }).from(r).where(lte(r.expiresAt, now))));
      const deleted = await db.delete(r).where(lte(r.expiresAt, now)).returning({ id: r.id });
      return deleted.length;
    },
  };
}
