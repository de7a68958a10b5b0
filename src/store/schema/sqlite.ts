/**
 * SQLite schema (bun:sqlite). Must stay column-for-column equal to `pg.ts`: the repositories
 * are written once and run against either. Table and column names follow the original
 * gateway (`users`, `api_keys`, `usage_entries`, notes/upstream-tokligence.md §1.8) with the
 * ledger columns it lacked (model, provider, endpoint, status, latency, cost).
 * Timestamps are integer milliseconds (`timestamp_ms`), booleans 0/1, JSON as text.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Budget and rate-limit columns (src/limits), the same on users and api_keys: built per table,
 * because a drizzle column builder belongs to the one table it is placed in.
 */
function limitColumns() {
  return {
    /** Spending limit in micro-dollars (src/limits); null = none. */
    budgetMicroUsd: integer("budget_micro_usd"),
    /** daily | monthly (UTC calendar periods); null = lifetime, never resets. */
    budgetPeriod: text("budget_period"),
    /** Requests per minute (per replica, or shared through Redis with limits.redis_url); null = none. */
    rpmLimit: integer("rpm_limit"),
    /** Tokens (input + output) per minute (per replica, or shared through Redis with limits.redis_url); null = none. */
    tpmLimit: integer("tpm_limit"),
    /** Cost charged in the period that began at spend_period_start (kept only while a budget is set). */
    spentMicroUsd: integer("spent_micro_usd").notNull().default(0),
    /** Worst-case cost of requests in flight (budget_reservations holds each one). */
    reservedMicroUsd: integer("reserved_micro_usd").notNull().default(0),
    /** Start of the period spent_micro_usd belongs to; a later period starts again from 0. */
    spendPeriodStart: integer("spend_period_start", { mode: "timestamp_ms" }),
  };
}

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    uuid: text("uuid").notNull().unique(),
    email: text("email").notNull().unique(),
    /** root_admin | gateway_admin | gateway_user */
    role: text("role").notNull(),
    displayName: text("display_name"),
    /** active | inactive; deleted users are inactive with deleted_at set (soft delete). */
    status: text("status").notNull().default("active"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    ...limitColumns(),
  },
  (t) => [index("idx_users_role").on(t.role), index("idx_users_deleted_at").on(t.deletedAt)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    uuid: text("uuid").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Hex SHA-256 of the whole token; the token itself is never stored. */
    keyHash: text("key_hash").notNull().unique(),
    /** First 12 characters of the token (`tok_` + 8), for listing and lookup. */
    keyPrefix: text("key_prefix").notNull(),
    name: text("name"),
    /** JSON array of scope names; empty means everything the owner's role allows. */
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    ...limitColumns(),
  },
  (t) => [index("idx_api_keys_user_id").on(t.userId), index("idx_api_keys_key_prefix").on(t.keyPrefix)],
);

export const usageEntries = sqliteTable(
  "usage_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The gateway's request id; unique so a retried batch never counts a request twice. */
    requestId: text("request_id").notNull(),
    /** The client's own X-Request-ID, when it sent one (not unique: clients may reuse theirs). */
    clientRequestId: text("client_request_id"),
    userId: integer("user_id"),
    apiKeyId: integer("api_key_id"),
    endpoint: text("endpoint").notNull(),
    clientProtocol: text("client_protocol").notNull(),
    modelRequested: text("model_requested").notNull(),
    modelServed: text("model_served"),
    provider: text("provider"),
    upstreamProtocol: text("upstream_protocol"),
    stream: integer("stream", { mode: "boolean" }).notNull(),
    status: integer("status").notNull(),
    errorCode: text("error_code"),
    /** Every prompt token, cached or not (canonical Usage.inputTokens). */
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    cacheReadTokens: integer("cache_read_tokens").notNull(),
    cacheWriteTokens: integer("cache_write_tokens").notNull(),
    reasoningTokens: integer("reasoning_tokens").notNull(),
    usageEstimated: integer("usage_estimated", { mode: "boolean" }).notNull(),
    /** Cost in integer micro-dollars (1e-6 USD); null when no price matched the model. */
    costMicroUsd: integer("cost_micro_usd"),
    latencyMs: integer("latency_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("uq_usage_entries_request_id").on(t.requestId),
    index("idx_usage_entries_user_started").on(t.userId, t.startedAt),
    index("idx_usage_entries_started").on(t.startedAt),
    index("idx_usage_entries_key_started").on(t.apiKeyId, t.startedAt),
  ],
);

/** Stored Responses API objects (`store`, `previous_response_id`); see src/responses-store/record.ts for request_json. */
export const storedResponses = sqliteTable(
  "stored_responses",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    model: text("model").notNull(),
    requestJson: text("request_json", { mode: "json" }).notNull(),
    responseJson: text("response_json", { mode: "json" }).notNull(),
    /**
     * Set when the client deleted a response that was still running (a background run, maybe on
     * another replica): the row stays, emptied and invisible, so the run's later writes cannot
     * bring it back; it goes at its expiry.
     */
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("idx_stored_responses_expires_at").on(t.expiresAt), index("idx_stored_responses_user_id").on(t.userId)],
);

/**
 * Which stored responses hold which item ids, for `item_reference` lookups by exact id: each
 * record's output items and input items (an input item without an id under the id the
 * input_items listing gives it, `msg_<response id>_<position>`). Owner and expiry are the
 * record's (joined); rows of a deleted or purged record go with it.
 */
export const storedResponseItems = sqliteTable(
  "stored_response_items",
  {
    responseId: text("response_id").notNull(),
    itemId: text("item_id").notNull(),
    /** The item is one of the response's output items (else one of its input items). */
    inOutput: integer("in_output", { mode: "boolean" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.responseId, t.itemId] }), index("idx_stored_response_items_item_id").on(t.itemId)],
);

/**
 * One budget reservation per admitted request of a key or user with a budget: the worst-case
 * cost added to reserved_micro_usd at admission, taken back at the request's end. A row that
 * outlives expires_at (a crashed process) is released by the sweeper (src/limits/).
 */
export const budgetReservations = sqliteTable(
  "budget_reservations",
  {
    /** The gateway's request id of the model call. */
    id: text("id").primaryKey(),
    apiKeyId: integer("api_key_id"),
    userId: integer("user_id"),
    /** Reserved on the key's counters (0 when the key has no budget). */
    keyMicroUsd: integer("key_micro_usd").notNull(),
    /** Reserved on the user's counters (0 when the user has no budget). */
    userMicroUsd: integer("user_micro_usd").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("idx_budget_reservations_expires_at").on(t.expiresAt)],
);
