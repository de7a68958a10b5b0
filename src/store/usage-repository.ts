/** The usage ledger table: batched inserts, summaries by day and model, recent rows. */
import { and, asc, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { DbContext } from "./db-context";
import { importLeftoverJournal } from "./ledger-journal";
import { createSqliteBatchInsert } from "./sqlite-batch-insert";
import type { StoredUsageRow, UsageFilter, UsageRepository, UsageRow, UsageTotals } from "./types";

function sumOf(column: PgColumn): SQL<number> {
  // PostgreSQL returns sum(bigint) as numeric (a string in postgres.js): map to a number.
  return sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);
}

function toStoredRow(row: Record<string, unknown>): StoredUsageRow {
  return {
    id: Number(row.id),
    requestId: row.requestId as string,
    clientRequestId: (row.clientRequestId as string | null) ?? null,
    userId: row.userId === null ? null : Number(row.userId),
    apiKeyId: row.apiKeyId === null ? null : Number(row.apiKeyId),
    endpoint: row.endpoint as string,
    clientProtocol: row.clientProtocol as string,
    modelRequested: row.modelRequested as string,
    modelServed: (row.modelServed as string | null) ?? null,
    provider: (row.provider as string | null) ?? null,
    upstreamProtocol: (row.upstreamProtocol as string | null) ?? null,
    stream: Boolean(row.stream),
    status: Number(row.status),
    errorCode: (row.errorCode as string | null) ?? null,
    promptTokens: Number(row.promptTokens),
    completionTokens: Number(row.completionTokens),
    cacheReadTokens: Number(row.cacheReadTokens),
    cacheWriteTokens: Number(row.cacheWriteTokens),
    reasoningTokens: Number(row.reasoningTokens),
    usageEstimated: Boolean(row.usageEstimated),
    costMicroUsd: row.costMicroUsd === null ? null : Number(row.costMicroUsd),
    latencyMs: Number(row.latencyMs),
    ttftMs: row.ttftMs === null ? null : Number(row.ttftMs),
    startedAt: row.startedAt as Date,
    createdAt: row.createdAt as Date,
  };
}

/** Every total at zero: typed as UsageTotals, so a total added there must be added here. */
const NO_USAGE: UsageTotals = { requests: 0, promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicroUsd: 0, unpricedRequests: 0, errors: 0 };
const TOTAL_FIELDS = Object.keys(NO_USAGE) as Array<keyof UsageTotals>;

function addUp(groups: readonly UsageTotals[]): UsageTotals {
  const totals = { ...NO_USAGE };
  for (const group of groups) for (const field of TOTAL_FIELDS) totals[field] += group[field];
  return totals;
}

export function createUsageRepository(ctx: DbContext): UsageRepository {
  const { db, tables, sqlFor } = ctx;
  const u = tables.usageEntries;
  // SQLite: a cached statement instead of building and preparing the INSERT per batch (hot path).
  const sqliteInsert = ctx.sqliteClient ? createSqliteBatchInsert<UsageRow>(ctx.sqliteClient, u as never, u.requestId as never) : undefined;

  async function insertBatch(rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (sqliteInsert) return sqliteInsert(rows);
    // One multi-row INSERT is one statement, hence one transaction on both dialects. The
    // unique request id makes a retry after an ambiguous failure (commit happened, the
    // acknowledgement was lost) a no-op instead of a double count.
    await db.insert(u).values(rows).onConflictDoNothing({ target: u.requestId });
  }

  /**
   * Before reading: rows a stopped gateway left in its ledger journal (SQLite) are imported, so
   * every request a client saw answered is counted. A running gateway owns its journal and moves
   * rows itself (within ~100 ms; its own usage API flushes first).
   */
  async function importLeftovers(): Promise<void> {
    if (ctx.ledgerJournal) await importLeftoverJournal(ctx.ledgerJournal.path, insertBatch, ctx.ledgerJournal.synchronous);
  }

  function whereOf(filter: UsageFilter): SQL | undefined {
    const conditions: SQL[] = [];
    if (filter.userId !== undefined) conditions.push(eq(u.userId, filter.userId));
    if (filter.apiKeyId !== undefined) conditions.push(eq(u.apiKeyId, filter.apiKeyId));
    if (filter.model !== undefined) conditions.push(or(eq(u.modelRequested, filter.model), eq(u.modelServed, filter.model))!);
    if (filter.since !== undefined) conditions.push(gte(u.startedAt, filter.since));
    if (filter.until !== undefined) conditions.push(lt(u.startedAt, filter.until));
    return conditions.length > 0 ? and(...conditions) : undefined;
  }

  const totalsColumns = {
    requests: sql<number>`count(*)`.mapWith(Number),
    promptTokens: sumOf(u.promptTokens),
    completionTokens: sumOf(u.completionTokens),
    cacheReadTokens: sumOf(u.cacheReadTokens),
    cacheWriteTokens: sumOf(u.cacheWriteTokens),
    reasoningTokens: sumOf(u.reasoningTokens),
    costMicroUsd: sumOf(u.costMicroUsd),
    unpricedRequests: sql<number>`coalesce(sum(case when ${u.costMicroUsd} is null then 1 else 0 end), 0)`.mapWith(Number),
    errors: sql<number>`coalesce(sum(case when ${u.status} >= 400 or ${u.errorCode} is not null then 1 else 0 end), 0)`.mapWith(Number),
  };

  return {
    insertBatch,

    async summary(filter) {
      await importLeftovers();
      const day = sqlFor.dayOf(u.startedAt);
      const groups = await db
        .select({ day: day.mapWith(String), model: u.modelRequested, ...totalsColumns })
        .from(u)
        .where(whereOf(filter))
        .groupBy(day, u.modelRequested)
        .orderBy(asc(day), asc(u.modelRequested));
      // The totals are the groups added up, not a second query: rows written between two
      // queries (another replica, the journal mover) made the totals disagree with the groups.
      return { totals: addUp(groups), byDayModel: groups };
    },

    async logs(filter, limit, after) {
      await importLeftovers();
      // Keyset paging on (started_at, id): rows sharing a millisecond are told apart by id, so
      // a page boundary inside that millisecond neither skips nor repeats one (an `until` bound
      // cannot: it is exclusive and cuts the millisecond off whole).
      const page = after ? or(lt(u.startedAt, after.startedAt), and(eq(u.startedAt, after.startedAt), lt(u.id, after.id))) : undefined;
      const rows = await db
        .select()
        .from(u)
        .where(and(whereOf(filter), page))
        .orderBy(desc(u.startedAt), desc(u.id))
        .limit(limit);
      return rows.map(toStoredRow);
    },
  };
}
